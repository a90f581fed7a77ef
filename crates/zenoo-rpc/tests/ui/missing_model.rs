use zenoo_rpc::Model;

#[derive(Model)]
struct Partner {
    id: i64,
}

fn main() {}
