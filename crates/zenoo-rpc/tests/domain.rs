//! The domain language: text round trips (property tests), the prefix form
//! of every combinator against hand-written Odoo domains, and every lookup
//! and operator evaluated by `zenoo-sim` over HTTP.

mod common;

use proptest::prelude::*;
use serde_json::{Value, json};
use zenoo_rpc::{Client, Domain, Operand, Operator, Q, SearchOptions};
use zenoo_sim::{OdooVersion, SimHandle};

fn field() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["name", "email", "partner_id.name", "état", "x_1.y_2"])
        .prop_map(str::to_string)
}

fn scalar() -> impl Strategy<Value = Operand> {
    prop_oneof![
        Just(Operand::None),
        any::<bool>().prop_map(Operand::Bool),
        any::<i64>().prop_map(Operand::Int),
        prop::num::f64::NORMAL.prop_map(Operand::Float),
        any::<String>().prop_map(Operand::Str),
    ]
}

fn leaf() -> impl Strategy<Value = Domain> {
    let plain = prop::sample::select(
        Operator::ALL
            .into_iter()
            .filter(|o| !o.takes_domain())
            .collect::<Vec<_>>(),
    );
    prop_oneof![
        (field(), plain, scalar()).prop_map(|(f, o, v)| Domain::leaf(f, o, v)),
        (field(), prop::collection::vec(scalar(), 0..4)).prop_map(|(f, v)| Domain::leaf(
            f,
            Operator::In,
            Operand::List(v)
        )),
    ]
}

fn domain() -> impl Strategy<Value = Domain> {
    let base = prop_oneof![8 => leaf(), 1 => Just(Domain::True), 1 => Just(Domain::False)];
    base.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Domain::all),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Domain::any),
            inner.clone().prop_map(|d| !d),
            (field(), prop::bool::ANY, inner).prop_map(|(f, neg, d)| {
                let op = if neg { Operator::NotAny } else { Operator::Any };
                Domain::leaf(f, op, d)
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn text_round_trips(d in domain()) {
        let text = d.to_string();
        let parsed: Domain = text.parse().map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(&parsed, &d, "text: {}", text);
    }

    #[test]
    fn json_round_trips(d in domain()) {
        let j = d.to_json();
        let back = Domain::from_json(j.clone()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back.to_json(), j);
    }

    #[test]
    fn parse_json_parse(d in domain()) {
        // text -> Domain -> JSON -> Domain -> text is stable.
        let text = d.to_string();
        let parsed: Domain = text.parse::<Domain>().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let via_json: Domain = serde_json::from_value(serde_json::to_value(&parsed).map_err(|e| TestCaseError::fail(e.to_string()))?)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(via_json.to_json(), parsed.to_json());
        let again: Domain = via_json.to_string().parse::<Domain>().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(again.to_json(), parsed.to_json());
    }

    #[test]
    fn garbage_never_panics(s in "\\PC{0,40}") {
        let _ = s.parse::<Domain>();
    }

    #[test]
    fn deep_text_is_parsed_or_refused_with_a_position(depth in 0usize..5_000, nots in 0usize..5_000) {
        let text = format!("{}{}a = 1{}", "not ".repeat(nots), "(".repeat(depth), ")".repeat(depth));
        match text.parse::<Domain>() {
            Ok(d) => {
                prop_assert!(depth <= zenoo_rpc::domain::MAX_NESTING);
                let leaf = Q::eq("a", 1);
                prop_assert_eq!(d, if nots % 2 == 1 { !leaf } else { leaf });
            }
            Err(e) => {
                prop_assert!(depth > zenoo_rpc::domain::MAX_NESTING);
                prop_assert!(e.message().contains("nest deeper"), "{}", e);
                prop_assert_eq!(e.offset(), nots * 4 + zenoo_rpc::domain::MAX_NESTING);
            }
        }
    }

    #[test]
    fn deep_json_is_refused_not_a_crash(depth in 190usize..1_000) {
        // `any` sub-domains nested `depth` deep.
        let mut v = json!([["name", "=", "x"]]);
        for _ in 0..depth {
            // Built by hand: `json!` would serialise `v` again each time.
            v = Value::Array(vec![Value::Array(vec!["child_ids".into(), "any".into(), v])]);
        }
        match Domain::from_json(v) {
            Ok(_) => prop_assert!(depth <= zenoo_rpc::domain::MAX_NESTING),
            Err(e) => prop_assert!(e.message().contains("nest deeper"), "{}", e),
        }
    }
}

#[test]
fn the_deepest_inputs_of_the_review_do_not_overflow() {
    let parens = format!("{}a = 1{}", "(".repeat(10_000), ")".repeat(10_000));
    let e = parens.parse::<Domain>().expect_err("10,000 parentheses");
    assert_eq!(e.column(), 201, "{e}");
    let nots = format!("{}a = 1", "not ".repeat(20_000));
    assert_eq!(nots.parse::<Domain>().expect("20,000 not"), Q::eq("a", 1));
}

#[test]
fn combinators_match_hand_written_odoo_domains() {
    let a = || Q::eq("is_company", true);
    let b = || Q::ilike("name", "az");
    let c = || Q::eq("country_id.code", "US");
    let cases: Vec<(Domain, Value)> = vec![
        (
            a() & b(),
            json!(["&", ["is_company", "=", true], ["name", "ilike", "az"]]),
        ),
        (
            a() | b(),
            json!(["|", ["is_company", "=", true], ["name", "ilike", "az"]]),
        ),
        (!a(), json!(["!", ["is_company", "=", true]])),
        (
            a() & (b() | c()),
            json!([
                "&",
                ["is_company", "=", true],
                "|",
                ["name", "ilike", "az"],
                ["country_id.code", "=", "US"]
            ]),
        ),
        (
            (a() | b()) & !(c() & a()),
            json!([
                "&",
                "|",
                ["is_company", "=", true],
                ["name", "ilike", "az"],
                "!",
                "&",
                ["country_id.code", "=", "US"],
                ["is_company", "=", true]
            ]),
        ),
        (
            a() | b() | c(),
            json!([
                "|",
                "|",
                ["is_company", "=", true],
                ["name", "ilike", "az"],
                ["country_id.code", "=", "US"]
            ]),
        ),
        (Domain::True & a(), json!([["is_company", "=", true]])),
        (Domain::False | a(), json!([["is_company", "=", true]])),
        (a() & Domain::False, json!([[0, "=", 1]])),
        (!!a(), json!([["is_company", "=", true]])),
        (
            a() & (Domain::True | b()),
            json!([["is_company", "=", true]]),
        ),
        (
            a() & (b() & c()),
            json!([
                "&",
                "&",
                ["is_company", "=", true],
                ["name", "ilike", "az"],
                ["country_id.code", "=", "US"]
            ]),
        ),
    ];
    for (d, want) in cases {
        assert_eq!(serde_json::to_value(&d).expect("serializes"), want, "{d}");
    }
}

#[test]
fn the_issue_example_parses_to_odoo_prefix_form() {
    let d: Domain = "is_company = true and (name ilike 'azure' or email =like '%@example.com') and not country_id.code in ('US','CA')"
        .parse()
        .expect("parses");
    assert_eq!(
        d.to_json(),
        json!([
            "&",
            "&",
            ["is_company", "=", true],
            "|",
            ["name", "ilike", "azure"],
            ["email", "=like", "%@example.com"],
            "!",
            ["country_id.code", "in", ["US", "CA"]]
        ])
    );
    let e = "is_company = true and (name ilike 'azure'"
        .parse::<Domain>()
        .expect_err("unclosed");
    assert_eq!(e.column(), 42, "{e}");
}

async fn start() -> (SimHandle, Client) {
    common::start(OdooVersion::V18, 0).await
}

async fn ids(client: &Client, d: impl serde::Serialize) -> Vec<i64> {
    let opts = SearchOptions::new()
        .order("id")
        .context(zenoo_rpc::Context::new().active_test(false));
    client.search("res.partner", d, opts).await.expect("search")
}

#[tokio::test]
async fn every_operator_and_lookup_agrees_with_the_hand_written_domain() {
    let (_sim, client) = start().await;
    let company = ids(&client, json!([["is_company", "=", true]])).await[0];
    let cases: Vec<(Domain, Value)> = vec![
        (
            Q::new().field("name__icontains", "a").into(),
            json!([["name", "=ilike", "%a%"]]),
        ),
        (
            Q::new().field("name__ne", "x").into(),
            json!([["name", "!=", "x"]]),
        ),
        (Q::new().field("id__gt", 3).into(), json!([["id", ">", 3]])),
        (
            Q::new().field("id__gte", 3).into(),
            json!([["id", ">=", 3]]),
        ),
        (Q::new().field("id__lt", 5).into(), json!([["id", "<", 5]])),
        (
            Q::new().field("id__lte", 5).into(),
            json!([["id", "<=", 5]]),
        ),
        (
            Q::new().field("id__in", vec![1, 3, 5]).into(),
            json!([["id", "in", [1, 3, 5]]]),
        ),
        (
            Q::new().field("id__not_in", vec![1, 3]).into(),
            json!([["id", "not in", [1, 3]]]),
        ),
        (
            Q::new().field("email__isnull", true).into(),
            json!([["email", "=", false]]),
        ),
        (
            Q::new().field("email__isnull", false).into(),
            json!([["email", "!=", false]]),
        ),
        (
            Q::new().field("id__child_of", company).into(),
            json!([["id", "child_of", company]]),
        ),
        (
            Q::new().field("id__parent_of", company).into(),
            json!([["id", "parent_of", company]]),
        ),
        (
            Q::new()
                .field("child_ids__any", Q::eq("active", true))
                .into(),
            json!([["child_ids", "any", [["active", "=", true]]]]),
        ),
        (
            Q::new().field("child_ids__not_any", Domain::True).into(),
            json!([["child_ids", "not any", []]]),
        ),
        (
            Q::new().field("parent_id__name__istartswith", "A").into(),
            json!([["parent_id.name", "=ilike", "A%"]]),
        ),
        (Q::like("name", "a"), json!([["name", "like", "a"]])),
        (Q::ilike("name", "A"), json!([["name", "ilike", "A"]])),
        (
            Domain::leaf("name", Operator::NotLike, "a"),
            json!([["name", "not like", "a"]]),
        ),
        (
            Domain::leaf("name", Operator::NotILike, "a"),
            json!([["name", "not ilike", "a"]]),
        ),
        (
            Domain::leaf("email", Operator::EqIfSet, Operand::None),
            json!([["email", "=?", false]]),
        ),
        (
            "is_company = true or not (email =like '%.com')"
                .parse()
                .expect("parses"),
            json!([
                "|",
                ["is_company", "=", true],
                "!",
                ["email", "=like", "%.com"]
            ]),
        ),
    ];
    for (d, hand) in cases {
        let got = ids(&client, &d).await;
        let want = ids(&client, hand.clone()).await;
        assert!(
            !want.is_empty(),
            "{hand} selects something in the demo data"
        );
        assert_eq!(got, want, "{d} vs {hand}");
        assert_eq!(d.to_json(), hand, "{d}");
    }
    // The NULL rule: "not set" and "set" partition the records.
    let all = ids(&client, json!([])).await;
    let mut parts = ids(&client, Q::is_set("email")).await;
    parts.extend(ids(&client, Q::is_unset("email")).await);
    parts.sort_unstable();
    assert_eq!(parts, all);
}

#[tokio::test]
async fn text_lookups_escape_wildcards_quotes_and_backslashes() {
    let (_sim, client) = start().await;
    let names = [
        "100% Pure",
        "100 X Pure",
        "a_b Corp",
        "axb Corp",
        "O'Brien Ltd",
        r"Back\slash Inc",
        r"Backxslash Inc",
        "Ends with %",
        "Ends with X",
    ];
    let mut created = Vec::new();
    for n in names {
        created.push(
            client
                .create("res.partner", json!({"name": n}))
                .await
                .expect("create"),
        );
    }
    let id_of = |n: &str| created[names.iter().position(|x| *x == n).expect("known")];
    let mine = Q::is_in("id", created.clone());
    let check = |lookup: &'static str, value: &'static str, want: Vec<&'static str>| {
        let d = mine.clone() & Q::new().field(lookup, value).into();
        let mut want: Vec<i64> = want.into_iter().map(id_of).collect();
        want.sort_unstable();
        (d, want, lookup, value)
    };
    let cases = [
        check("name__startswith", "100%", vec!["100% Pure"]),
        check("name__istartswith", "100%", vec!["100% Pure"]),
        check("name__contains", "a_b", vec!["a_b Corp"]),
        check("name__icontains", "A_B", vec!["a_b Corp"]),
        check("name__contains", "O'Brien", vec!["O'Brien Ltd"]),
        check("name__startswith", r"Back\", vec![r"Back\slash Inc"]),
        check("name__endswith", "%", vec!["Ends with %"]),
        check("name__iendswith", "with %", vec!["Ends with %"]),
        check("name__iexact", "axb corp", vec!["axb Corp"]),
        check("name__iexact", "a_b corp", vec!["a_b Corp"]),
    ];
    for (d, want, lookup, value) in cases {
        assert_eq!(ids(&client, &d).await, want, "{lookup} {value:?}");
    }
    // Plain `like` treats `_` as a wildcard: the reason for the escaping.
    let loose = ids(&client, mine.clone() & Q::like("name", "a_b")).await;
    assert_eq!(loose.len(), 2, "like 'a_b' matches a_b and axb");
}
