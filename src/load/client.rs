//! A thin HTTP client for a Placement endpoint: fixed headers, timing and
//! recording of every request, JSON bodies in and out.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue};
use serde::Serialize;
use serde_json::Value;

use super::error::LoadError;
use super::stats::Recorder;

/// The kinds of request the load generator sends, each with its own histogram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    CreateTrait,
    CreateProvider,
    PutInventory,
    PutAggregates,
    PutTraits,
    Candidates,
    Claim,
    GetAllocations,
    Move,
    Delete,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::CreateTrait,
        Kind::CreateProvider,
        Kind::PutInventory,
        Kind::PutAggregates,
        Kind::PutTraits,
        Kind::Candidates,
        Kind::Claim,
        Kind::GetAllocations,
        Kind::Move,
        Kind::Delete,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::CreateTrait => "create_trait",
            Kind::CreateProvider => "create_provider",
            Kind::PutInventory => "put_inventory",
            Kind::PutAggregates => "put_aggregates",
            Kind::PutTraits => "put_traits",
            Kind::Candidates => "candidates",
            Kind::Claim => "claim",
            Kind::GetAllocations => "get_allocations",
            Kind::Move => "move",
            Kind::Delete => "delete",
        }
    }

    /// Dense index, for per-kind arrays.
    pub fn index(self) -> usize {
        Kind::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A Placement microversion such as 1.39 (only 1.x exists).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Microversion {
    pub major: u32,
    pub minor: u32,
}

impl Microversion {
    pub fn at_least(self, minor: u32) -> bool {
        self.major > 1 || (self.major == 1 && self.minor >= minor)
    }
}

impl FromStr for Microversion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (major, minor) = s
            .split_once('.')
            .ok_or_else(|| format!("microversion {s:?} is not MAJOR.MINOR"))?;
        let parse = |p: &str| {
            p.parse::<u32>()
                .map_err(|_| format!("microversion {s:?} is not MAJOR.MINOR"))
        };
        Ok(Microversion {
            major: parse(major)?,
            minor: parse(minor)?,
        })
    }
}

impl fmt::Display for Microversion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// A response: its status and its JSON body (Null when empty or not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Placement's error code (`errors[0].code`), if the body has one.
    pub fn error_code(&self) -> Option<&str> {
        error_code(&self.body)
    }

    /// Turn a non-2xx reply into an error naming the request.
    pub fn expect_success(self, method: &Method, path: &str) -> Result<Reply, LoadError> {
        if self.is_success() {
            Ok(self)
        } else {
            Err(LoadError::Status {
                method: method.to_string(),
                path: path.to_string(),
                status: self.status,
                body: self.body.to_string(),
            })
        }
    }
}

/// What a candidates query gave: the allocations of the picked request
/// (None when there were no candidates), or a failed reply.
#[derive(Debug)]
pub enum CandidatesReply {
    Picked(Option<Value>),
    Failed(Reply),
}

/// The `allocations` of the allocation request `pick` chooses among the
/// reply's; None when there are none or the body is not a candidates reply.
pub fn picked_allocations(
    body: &[u8],
    pick: &mut (dyn FnMut(usize) -> Option<usize> + Send),
) -> Option<Value> {
    #[derive(serde::Deserialize)]
    struct Answer<'a> {
        #[serde(borrow)]
        allocation_requests: Vec<&'a serde_json::value::RawValue>,
    }
    let answer = serde_json::from_slice::<Answer<'_>>(body).ok()?;
    let i = pick(answer.allocation_requests.len())?;
    let mut request: Value = serde_json::from_str(answer.allocation_requests.get(i)?.get()).ok()?;
    request.get_mut("allocations").map(Value::take)
}

/// Replies that may carry Placement's error code.
pub trait HasErrorCode {
    fn error_code(&self) -> Option<&str>;
}

impl HasErrorCode for Reply {
    fn error_code(&self) -> Option<&str> {
        error_code(&self.body)
    }
}

impl HasErrorCode for CandidatesReply {
    fn error_code(&self) -> Option<&str> {
        match self {
            CandidatesReply::Picked(_) => None,
            CandidatesReply::Failed(r) => r.error_code(),
        }
    }
}

/// Placement's error code in an error body; upstream always sends one from
/// 1.23 on, and `placement.undefined_code` when nothing more specific applies.
pub fn error_code(body: &Value) -> Option<&str> {
    body.get("errors")?.get(0)?.get("code")?.as_str()
}

/// A cheaply cloneable client bound to one endpoint and microversion.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    /// Scheme, host and any path prefix, parsed once: parsing the whole
    /// URL of every request was a twelfth of the load tool's CPU.
    base: reqwest::Url,
    pub microversion: Microversion,
}

impl Client {
    pub fn new(
        base: &str,
        token: &str,
        microversion: Microversion,
        timeout: Duration,
        pool: usize,
    ) -> Result<Self, LoadError> {
        let mut headers = HeaderMap::new();
        let value = |v: &str| {
            HeaderValue::from_str(v)
                .map_err(|_| LoadError::Config(format!("bad header value {v:?}")))
        };
        headers.insert("x-auth-token", value(token)?);
        headers.insert(
            "openstack-api-version",
            value(&format!("placement {microversion}"))?,
        );
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(timeout)
            // One idle connection per concurrent worker: reconnecting would
            // measure TCP setup instead of the server.
            .pool_max_idle_per_host(pool.max(1))
            // Placement never redirects: measure what it answers.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(LoadError::Client)?;
        let base = reqwest::Url::parse(base)
            .map_err(|e| LoadError::Config(format!("bad endpoint URL {base:?}: {e}")))?;
        if base.cannot_be_a_base() {
            return Err(LoadError::Config(format!("bad endpoint URL {base}")));
        }
        Ok(Client {
            http,
            base,
            microversion,
        })
    }

    /// The endpoint's URL for `path` (which may carry a query).
    fn url(&self, path: &str) -> reqwest::Url {
        let (path, query) = match path.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path, None),
        };
        let mut url = self.base.clone();
        url.set_path(&format!("{}{path}", self.base.path().trim_end_matches('/')));
        url.set_query(query);
        url
    }

    /// Send one request, time it and record it under `kind`. A transport
    /// failure is recorded as an error (status 0) and returned.
    pub async fn call(
        &self,
        rec: &mut Recorder,
        kind: Kind,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, LoadError> {
        self.call_with(rec, kind, method, path, body, |status, bytes| Reply {
            status,
            body: serde_json::from_slice(bytes).unwrap_or(Value::Null),
        })
        .await
    }

    /// GET /allocation_candidates: the reply is scanned, not built into a
    /// tree (at a thousand candidates that tree cost the client more CPU
    /// than the server spent answering), and one allocation request is
    /// kept, chosen by `pick`.
    ///
    /// Without `pick` (read-only load) a successful reply is only checked
    /// to be a JSON object: the client's CPU is the server's on a shared
    /// machine, so it reads no more than it needs.
    pub async fn candidates(
        &self,
        rec: &mut Recorder,
        path: &str,
        pick: Option<&mut (dyn FnMut(usize) -> Option<usize> + Send)>,
    ) -> Result<CandidatesReply, LoadError> {
        self.call_with(
            rec,
            Kind::Candidates,
            Method::GET,
            path,
            None,
            |status, bytes| {
                if !(200..300).contains(&status) {
                    let body = serde_json::from_slice(bytes).unwrap_or(Value::Null);
                    return CandidatesReply::Failed(Reply { status, body });
                }
                match pick {
                    Some(pick) => CandidatesReply::Picked(picked_allocations(bytes, pick)),
                    None if bytes.first() == Some(&b'{') => CandidatesReply::Picked(None),
                    None => CandidatesReply::Failed(Reply {
                        status,
                        body: Value::String(String::from_utf8_lossy(bytes).into_owned()),
                    }),
                }
            },
        )
        .await
    }

    async fn call_with<T>(
        &self,
        rec: &mut Recorder,
        kind: Kind,
        method: Method,
        path: &str,
        body: Option<&Value>,
        read: impl FnOnce(u16, &[u8]) -> T,
    ) -> Result<T, LoadError>
    where
        T: HasErrorCode,
    {
        let mut req = self.http.request(method.clone(), self.url(path));
        if let Some(b) = body {
            req = req
                .header(CONTENT_TYPE, "application/json")
                .body(b.to_string());
        }
        let started = Instant::now();
        let sent = async {
            let resp = req.send().await?;
            let status = resp.status().as_u16();
            let bytes = resp.bytes().await?;
            Ok::<_, reqwest::Error>((status, bytes))
        }
        .await;
        let elapsed = started.elapsed();
        match sent {
            Ok((status, bytes)) => {
                let reply = read(status, &bytes);
                rec.record(kind, started, elapsed, status, reply.error_code());
                Ok(reply)
            }
            Err(e) => {
                rec.record(kind, started, elapsed, 0, None);
                let mut detail = e.to_string();
                let mut cause = std::error::Error::source(&e);
                while let Some(c) = cause {
                    detail = format!("{detail}: {c}");
                    cause = c.source();
                }
                Err(LoadError::Transport {
                    method: method.to_string(),
                    path: path.to_string(),
                    detail,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_urls_are_the_endpoint_joined_with_the_path() {
        for base in [
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/",
            "http://localhost:8778/placement",
            "http://localhost:8778/placement/",
        ] {
            let client = Client::new(
                base,
                "admin",
                Microversion {
                    major: 1,
                    minor: 39,
                },
                Duration::from_secs(1),
                1,
            )
            .unwrap();
            for path in [
                "/",
                "/resource_providers",
                "/allocation_candidates?resources=VCPU:1,MEMORY_MB:64&member_of=in:a,b&limit=5",
                "/allocations/6ab6bd2b-e5d1-4e35-b6a4-7d0e2d0f3d37",
            ] {
                let whole = format!("{}{path}", base.trim_end_matches('/'));
                assert_eq!(
                    client.url(path),
                    reqwest::Url::parse(&whole).unwrap(),
                    "{whole}"
                );
            }
        }
    }
}
