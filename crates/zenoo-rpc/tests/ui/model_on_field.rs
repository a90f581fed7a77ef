use zenoo_rpc::Model;

#[derive(Model)]
#[odoo(model = "res.partner")]
struct Partner {
    id: i64,
    #[odoo(model = "res.users")]
    name: String,
}

fn main() {}
