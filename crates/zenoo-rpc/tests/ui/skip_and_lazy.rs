use zenoo_rpc::Model;

#[derive(Model)]
#[odoo(model = "res.partner")]
struct Partner {
    id: i64,
    #[odoo(skip, lazy)]
    image_1920: Option<String>,
}

fn main() {}
