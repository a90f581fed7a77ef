//! The typed rows of the workloads: what zenoo-rpc decodes into, and what
//! the `raw-typed` contender decodes the same bytes into.

use zenoo_rpc::{Many2one, Model};

#[derive(Model, Debug)]
#[odoo(model = "res.partner")]
#[allow(dead_code)]
pub struct SimplePartner {
    pub id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub city: Option<String>,
    pub country_id: Option<Many2one>,
}

#[derive(Model, Debug)]
#[odoo(model = "res.partner")]
#[allow(dead_code)]
pub struct ManyPartner {
    pub id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub zip: Option<String>,
    pub country_id: Option<Many2one>,
    pub is_company: bool,
    pub credit_limit: f64,
    pub active: bool,
}

#[derive(Model, Debug)]
#[odoo(model = "res.partner")]
#[allow(dead_code)]
pub struct StreamPartner {
    pub id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub is_company: bool,
    pub country_id: Option<Many2one>,
    pub city: Option<String>,
}
