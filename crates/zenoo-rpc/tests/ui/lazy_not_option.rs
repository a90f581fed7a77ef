use zenoo_rpc::Model;

#[derive(Model)]
#[odoo(model = "res.partner")]
struct Partner {
    id: i64,
    #[odoo(lazy)]
    image_1920: String,
}

fn main() {}
