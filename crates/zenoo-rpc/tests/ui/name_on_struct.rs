use zenoo_rpc::Model;

#[derive(Model)]
#[odoo(model = "res.partner", name = "partner")]
struct Partner {
    id: i64,
}

fn main() {}
