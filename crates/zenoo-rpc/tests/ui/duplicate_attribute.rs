use zenoo_rpc::Model;

#[derive(Model)]
#[odoo(model = "res.partner")]
struct Partner {
    id: i64,
    #[odoo(name = "name")]
    #[odoo(name = "display_name")]
    title: String,
}

fn main() {}
