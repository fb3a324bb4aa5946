//! The request envelope every agent call travels in: `agent_uid`, the
//! encrypted `service` (`{"service_name":"api","cmd":"api/orders"}`) and the
//! encrypted `encry_data`, posted as form fields (or, as the Node sample
//! does, as a JSON object).

use crate::crypto::{self, AgentKey, EntropyError, KeyRing};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The commands of the agent API this crate speaks.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    /// `api/orders`: PayPage order in voucher mode.
    Orders,
    /// `api/queryorder`: order query.
    QueryOrder,
    /// `api/refund`: voucher-mode refund.
    Refund,
    /// Any other command, kept as sent.
    Other(String),
}

impl Command {
    pub fn as_str(&self) -> &str {
        match self {
            Command::Orders => "api/orders",
            Command::QueryOrder => "api/queryorder",
            Command::Refund => "api/refund",
            Command::Other(s) => s,
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "api/orders" => Command::Orders,
            "api/queryorder" => Command::QueryOrder,
            "api/refund" => Command::Refund,
            other => Command::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Command {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Command {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| Command::parse(&s))
    }
}

/// The decrypted `service` field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub service_name: String,
    pub cmd: Command,
}

impl Service {
    pub fn api(cmd: Command) -> Self {
        Self {
            service_name: "api".into(),
            cmd,
        }
    }
}

/// The three fields of an agent call, as they travel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub agent_uid: String,
    pub service: String,
    pub encry_data: String,
}

/// An incoming envelope that could not be read or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("the body is not a form or JSON object with agent_uid, service and encry_data")]
    Malformed,
    #[error("the envelope does not decrypt under this agent's key")]
    Decrypt,
    #[error("the decrypted {field} is not the expected JSON: {detail}")]
    BadJson { field: &'static str, detail: String },
    #[error(transparent)]
    Entropy(#[from] EntropyError),
    #[error("the payload could not be written as JSON: {0}")]
    Serialize(String),
}

/// The content type of a form body.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

impl Envelope {
    /// Encrypts `payload` for `cmd` under `key` (a fresh IV per field).
    pub fn seal<T: Serialize>(
        agent_uid: &str,
        key: &AgentKey,
        cmd: Command,
        payload: &T,
    ) -> Result<Self, EnvelopeError> {
        let service = serde_json::to_string(&Service::api(cmd))
            .map_err(|e| EnvelopeError::Serialize(e.to_string()))?;
        let data =
            serde_json::to_string(payload).map_err(|e| EnvelopeError::Serialize(e.to_string()))?;
        Ok(Self {
            agent_uid: agent_uid.to_owned(),
            service: crypto::encrypt(key, &service)?,
            encry_data: crypto::encrypt(key, &data)?,
        })
    }

    /// The body as `application/x-www-form-urlencoded`.
    pub fn to_form(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("agent_uid", &self.agent_uid)
            .append_pair("service", &self.service)
            .append_pair("encry_data", &self.encry_data)
            .finish()
    }

    /// Reads a form body.
    pub fn from_form(body: &str) -> Result<Self, EnvelopeError> {
        let (mut uid, mut service, mut data) = (None, None, None);
        let pairs = crate::form::form_pairs(body).map_err(|_| EnvelopeError::Malformed)?;
        for (k, v) in pairs {
            let slot = match k.as_str() {
                "agent_uid" => &mut uid,
                "service" => &mut service,
                "encry_data" => &mut data,
                _ => continue,
            };
            if slot.is_some() {
                return Err(EnvelopeError::Malformed);
            }
            *slot = Some(v);
        }
        match (uid, service, data) {
            (Some(agent_uid), Some(service), Some(encry_data)) => Ok(Self {
                agent_uid,
                service,
                encry_data,
            }),
            _ => Err(EnvelopeError::Malformed),
        }
    }

    /// Reads a JSON body (the Node sample's form).
    pub fn from_json(body: &str) -> Result<Self, EnvelopeError> {
        #[derive(Deserialize)]
        struct Loose {
            agent_uid: crate::lenient::Text,
            service: String,
            encry_data: String,
        }
        let l: Loose = serde_json::from_str(body).map_err(|_| EnvelopeError::Malformed)?;
        Ok(Self {
            agent_uid: l.agent_uid.0,
            service: l.service,
            encry_data: l.encry_data,
        })
    }

    /// Reads a body of either kind: JSON when the content type says so or the
    /// body starts with `{`, a form otherwise.
    pub fn from_body(content_type: Option<&str>, body: &str) -> Result<Self, EnvelopeError> {
        let json = content_type
            .map(|c| c.to_ascii_lowercase().contains("json"))
            .unwrap_or(false)
            || body.trim_start().starts_with('{');
        if json {
            Self::from_json(body)
        } else {
            Self::from_form(body)
        }
    }

    /// Decrypts the `service` field.
    pub fn open_service(&self, keys: &KeyRing) -> Result<Service, EnvelopeError> {
        let text = keys
            .decrypt(&self.service)
            .map_err(|_| EnvelopeError::Decrypt)?;
        serde_json::from_str(&text).map_err(|e| EnvelopeError::BadJson {
            field: "service",
            detail: e.to_string(),
        })
    }

    /// Decrypts `encry_data` to its JSON text.
    pub fn open_data_text(&self, keys: &KeyRing) -> Result<String, EnvelopeError> {
        keys.decrypt(&self.encry_data)
            .map_err(|_| EnvelopeError::Decrypt)
    }

    /// Decrypts `encry_data` into `T`.
    pub fn open_data<T: DeserializeOwned>(&self, keys: &KeyRing) -> Result<T, EnvelopeError> {
        let text = self.open_data_text(keys)?;
        serde_json::from_str(&text).map_err(|e| EnvelopeError::BadJson {
            field: "encry_data",
            detail: e.to_string(),
        })
    }
}

/// An outgoing HTTP request, described without doing I/O: each runtime
/// (the Worker's `fetch`, reqwest in the CLI, `fetch` in JS) sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: &'static str,
    pub content_type: &'static str,
    pub body: String,
}

/// Builds the request for `cmd` carrying `payload`.
pub fn build_request<T: Serialize>(
    agent_uid: &str,
    key: &AgentKey,
    cmd: Command,
    payload: &T,
) -> Result<HttpRequest, EnvelopeError> {
    let env = Envelope::seal(agent_uid, key, cmd, payload)?;
    Ok(HttpRequest {
        method: "POST",
        content_type: FORM_CONTENT_TYPE,
        body: env.to_form(),
    })
}

#[cfg(test)]
mod tests;
