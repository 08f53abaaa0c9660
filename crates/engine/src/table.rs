//! A resource as a front end serves it: what scans read and writes send through. Below both
//! [`crate::scan`] and [`crate::write`], which each take it.

use std::sync::Arc;

use crate::http::GitHubClient;
use crate::rows::RowDecoder;
use crate::spec::Resource;

/// A resource as a front end serves it: the declaration, its decoder and the client.
#[derive(Debug)]
pub struct Table {
    /// The resource.
    pub resource: Arc<Resource>,
    /// Response fields → columns.
    pub decoder: RowDecoder,
    /// The GitHub client.
    pub client: GitHubClient,
}

impl Table {
    /// A table for this resource and client.
    pub fn new(resource: Arc<Resource>, client: GitHubClient) -> Self {
        let decoder = RowDecoder::new(&resource);
        // A service with its own server (the registry) gets a client for that server.
        let client = match &resource.server {
            Some(server) => {
                let url =
                    crate::http::registry::server_url(&resource.service, server, client.config());
                client.with_base_url(&url)
            }
            None => client,
        };
        Table {
            resource,
            decoder,
            client,
        }
    }
}
