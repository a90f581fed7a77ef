use zenoo_rpc::Selection;

#[derive(Selection)]
enum State {
    Draft,
    Sale(u32),
}

fn main() {}
