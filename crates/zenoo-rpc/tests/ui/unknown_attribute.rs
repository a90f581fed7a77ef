use zenoo_rpc::Model;

#[derive(Model)]
#[odoo(model = "res.partner")]
struct Partner {
    id: i64,
    #[odoo(rename = "name")]
    title: String,
}

fn main() {}
