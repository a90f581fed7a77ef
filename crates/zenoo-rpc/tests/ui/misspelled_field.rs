use zenoo_rpc::Model;

#[derive(Model)]
#[odoo(model = "res.partner")]
struct Partner {
    id: i64,
    name: String,
}

fn main() {
    let _ = Partner::nmae().eq("x");
}
