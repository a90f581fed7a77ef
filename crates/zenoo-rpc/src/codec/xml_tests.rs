//! The XML-RPC decoder's tests: cases, properties and a speed check.

mod tests {
    use crate::codec::xml::*;
    use serde_json::{Value, json};

    fn value(xml: &str) -> Result<Value> {
        from_slice(xml.as_bytes(), "test", "http://test")
    }

    #[test]
    fn every_type_decodes_as_odoo_json_looks() {
        let xml = "<value><struct>\n<member>\n<name>id</name>\n<value><int>7</int></value>\n</member>\n\
            <member><name>name</name><value><string>A &amp; B</string></value></member>\
            <member><name>bare</name><value>plain</value></member>\
            <member><name>empty</name><value><string/></value></member>\
            <member><name>ok</name><value><boolean>1</boolean></value></member>\
            <member><name>x</name><value><double>1.5</double></value></member>\
            <member><name>big</name><value><i8>9007199254740993</i8></value></member>\
            <member><name>when</name><value><dateTime.iso8601>20240131T13:45:00</dateTime.iso8601></value></member>\
            <member><name>file</name><value><base64>\naGVs\nbG8=\n</base64></value></member>\
            <member><name>none</name><value><nil/></value></member>\
            <member><name>ids</name><value><array><data>\n<value><int>1</int></value>\n<value><int>2</int></value>\n</data></array></value></member>\
            <member><name>no</name><value><array><data/></array></value></member>\
            </struct></value>";
        assert_eq!(
            value(xml).expect("decodes"),
            json!({"id": 7, "name": "A & B", "bare": "plain", "empty": "", "ok": true, "x": 1.5,
                   "big": 9007199254740993_i64, "when": "2024-01-31 13:45:00", "file": "aGVsbG8=",
                   "none": null, "ids": [1, 2], "no": []})
        );
    }

    #[test]
    fn typed_decode_and_errors_name_the_path() {
        #[derive(serde::Deserialize, Debug)]
        struct Row {
            id: i64,
            name: Option<String>,
        }
        let xml = "<value><array><data><value><struct><member><name>id</name><value><int>3</int></value></member>\
            <member><name>name</name><value><string>x</string></value></member></struct></value>\
            <value><struct><member><name>id</name><value><string>bad</string></value></member></struct></value>\
            </data></array></value>";
        let err = from_slice::<Vec<Row>>(xml.as_bytes(), "res.partner.read", "http://test")
            .expect_err("bad id");
        assert_eq!(err.decode_path(), Some("[1].id"));
        let ok = "<value><array><data><value><struct><member><name>id</name><value><int>3</int></value></member>\
            <member><name>name</name><value><nil/></value></member></struct></value></data></array></value>";
        let rows: Vec<Row> = from_slice(ok.as_bytes(), "t", "http://test").expect("rows");
        assert_eq!((rows[0].id, rows[0].name.as_deref()), (3, None));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!(
            "{}<value><int>1</int></value>{}",
            "<value><array><data>".repeat(100_000),
            "</data></array></value>".repeat(100_000)
        );
        let err = value(&deep).expect_err("too deep");
        assert!(err.to_string().contains("nest deeper"), "{err}");
        let ok = format!(
            "{}<value><int>1</int></value>{}",
            "<value><array><data>".repeat(MAX_DEPTH),
            "</data></array></value>".repeat(MAX_DEPTH)
        );
        assert!(value(&ok).is_ok());
    }

    #[test]
    fn garbage_is_an_error() {
        for bad in [
            "",
            "<value>",
            "<value><int>x</int></value>",
            "<value><dateTime.iso8601>yesterday</dateTime.iso8601></value>",
            "<value><struct><member><value><int>1</int></value></member></struct></value>",
            "<value><blob>1</blob></value>",
            "<value><array><int>1</int></array></value>",
        ] {
            assert!(value(bad).is_err(), "{bad:?}");
        }
    }
}

mod props {
    use crate::codec::xml::*;
    use proptest::prelude::*;

    /// Pieces of XML-RPC, to be glued into near-valid documents.
    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "<value>",
            "</value>",
            "<struct>",
            "</struct>",
            "<member>",
            "</member>",
            "<name>",
            "</name>",
            "<array>",
            "</array>",
            "<data>",
            "</data>",
            "<int>",
            "</int>",
            "<string>",
            "</string>",
            "<boolean>",
            "</boolean>",
            "<double>",
            "</double>",
            "<nil/>",
            "<base64>",
            "</base64>",
            "<dateTime.iso8601>",
            "</dateTime.iso8601>",
            "1",
            "x",
            "&amp;",
            "&bad;",
            "\n",
            " ",
            "<!-- c -->",
            "<![CDATA[z]]>",
            "<",
            ">",
            "/>",
            "é",
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn near_valid_documents_never_panic(parts in prop::collection::vec(piece(), 0..60)) {
            let doc = parts.concat();
            let _ = from_slice::<serde_json::Value>(doc.as_bytes(), "p", "u");
        }

        #[test]
        fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = from_slice::<serde_json::Value>(&bytes, "p", "u");
        }

        #[test]
        fn deep_documents_are_refused_or_read(depth in 0usize..600) {
            let doc = format!(
                "{}<value><int>1</int></value>{}",
                "<value><array><data>".repeat(depth),
                "</data></array></value>".repeat(depth)
            );
            let got = from_slice::<serde_json::Value>(doc.as_bytes(), "p", "u");
            prop_assert_eq!(got.is_ok(), depth <= MAX_DEPTH);
        }
    }
}

mod speed {
    //! `cargo test --release -p zenoo-rpc --lib xml_speed -- --ignored --nocapture`
    use crate::codec::xml::*;

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Row {
        id: i64,
        name: String,
        email: String,
        street: String,
        city: String,
        zip: String,
        country_id: Vec<serde_json::Value>,
        is_company: bool,
        credit_limit: f64,
        active: bool,
    }

    #[test]
    #[ignore = "a timing to compare with JSON by hand, not a check"]
    fn xml_speed() {
        let mut xml = String::from("<value><array><data>\n");
        let mut json = String::from("[");
        for i in 0..2000 {
            xml.push_str(&format!("<value><struct>\n<member>\n<name>id</name>\n<value><int>{i}</int></value>\n</member>\n<member>\n<name>name</name>\n<value><string>Partner {i}</string></value>\n</member>\n<member>\n<name>email</name>\n<value><string>p{i}@example.com</string></value>\n</member>\n<member>\n<name>street</name>\n<value><string>{i} Main Street</string></value>\n</member>\n<member>\n<name>city</name>\n<value><string>Brussels</string></value>\n</member>\n<member>\n<name>zip</name>\n<value><string>1000</string></value>\n</member>\n<member>\n<name>country_id</name>\n<value><array><data>\n<value><int>21</int></value>\n<value><string>Belgium</string></value>\n</data></array></value>\n</member>\n<member>\n<name>is_company</name>\n<value><boolean>0</boolean></value>\n</member>\n<member>\n<name>credit_limit</name>\n<value><double>0.0</double></value>\n</member>\n<member>\n<name>active</name>\n<value><boolean>1</boolean></value>\n</member>\n</struct></value>\n"));
            if i > 0 {
                json.push_str(", ");
            }
            json.push_str(&format!("{{\"id\": {i}, \"name\": \"Partner {i}\", \"email\": \"p{i}@example.com\", \"street\": \"{i} Main Street\", \"city\": \"Brussels\", \"zip\": \"1000\", \"country_id\": [21, \"Belgium\"], \"is_company\": false, \"credit_limit\": 0.0, \"active\": true}}"));
        }
        xml.push_str("</data></array></value>\n");
        json.push(']');
        for _ in 0..3 {
            let t = std::time::Instant::now();
            for _ in 0..20 {
                let rows: Vec<Row> = from_slice(xml.as_bytes(), "t", "u").expect("xml");
                assert_eq!(rows.len(), 2000);
            }
            let x = t.elapsed() / 20;
            let t = std::time::Instant::now();
            for _ in 0..20 {
                let rows: Vec<Row> =
                    crate::response::decode_json(json.as_bytes(), "t", "u").expect("json");
                assert_eq!(rows.len(), 2000);
            }
            let j = t.elapsed() / 20;
            println!(
                "xml {x:?} ({} KB), json {j:?} ({} KB): {:.2}x",
                xml.len() / 1024,
                json.len() / 1024,
                x.as_secs_f64() / j.as_secs_f64()
            );
        }
    }
}
