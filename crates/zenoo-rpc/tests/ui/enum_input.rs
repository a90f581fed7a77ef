use zenoo_rpc::Model;

#[derive(Model)]
#[odoo(model = "res.partner")]
enum Partner {
    Company,
}

fn main() {}
