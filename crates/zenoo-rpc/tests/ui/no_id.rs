use zenoo_rpc::Model;

#[derive(Model)]
#[odoo(model = "res.partner")]
struct Partner {
    name: String,
}

fn main() {}
