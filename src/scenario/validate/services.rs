//! `[[services]]`: the Power Platform services attached to the environment,
//! from the shipped catalogue, with their DR behaviour.

use super::super::model::{Service, ServiceBehaviour};
use super::super::raw::RawService;
use super::super::spanned::Spanned;
use super::Checker;

/// The catalogue of the seed's services, shipped as data.
pub const SERVICE_CATALOGUE: &str = include_str!("../../../data/services.toml");

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalogue {
    service: Vec<CatalogueEntry>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueEntry {
    name: String,
    behaviour: String,
    note: String,
}

/// Every service of the catalogue.
pub fn service_catalogue() -> Vec<Service> {
    let cat: Catalogue =
        toml::from_str(SERVICE_CATALOGUE).expect("the shipped catalogue is valid (tested)");
    cat.service
        .into_iter()
        .map(|e| Service {
            behaviour: ServiceBehaviour::from_name(&e.behaviour)
                .expect("catalogue behaviours are valid (tested)"),
            name: e.name,
            note: e.note,
        })
        .collect()
}

pub(super) fn services(c: &mut Checker, raw: &[Spanned<RawService>]) -> Vec<Service> {
    let catalogue = service_catalogue();
    let names: Vec<String> = catalogue.iter().map(|s| s.name.clone()).collect();
    let mut out: Vec<Service> = Vec::new();
    for (i, s) in raw.iter().enumerate() {
        let path = format!("services[{i}]");
        let sr = s.get_ref();
        let Some(ci) = c.resolve(&sr.name, &names, "service", &format!("{path}.name")) else {
            continue;
        };
        let mut svc = catalogue[ci].clone();
        if out.iter().any(|o| o.name == svc.name) {
            c.error(
                Some(sr.name.span()),
                &format!("{path}.name"),
                format!("service `{}` attached twice", svc.name),
            );
        }
        if let Some(b) = &sr.behaviour {
            let valid: Vec<String> = ServiceBehaviour::NAMES
                .iter()
                .map(|s| s.to_string())
                .collect();
            if let Some(bi) =
                c.resolve(b, &valid, "service behaviour", &format!("{path}.behaviour"))
            {
                svc.behaviour =
                    ServiceBehaviour::from_name(&valid[bi]).expect("resolved against NAMES");
                svc.note = format!(
                    "overridden by the scenario (catalogue: {})",
                    catalogue[ci].behaviour.name()
                );
            }
        }
        out.push(svc);
    }
    out
}
