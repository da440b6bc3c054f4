//! Download faults and the download log, for the recordings' download links:
//!
//! - `POST /__control/downloads/faults` replaces the download fault and answers it:
//!   `{"cutAfterBytes": N, "times"?: K}` makes the next K downloads (200 or 206) announce
//!   their full length and drop the connection after N bytes of body;
//!   `{"status": 403, "times"?: K}` answers the next K link requests with S3's
//!   `AccessDenied`, as for an expired link. Without `times`, every one until replaced;
//!   `{}` clears it.
//! - `GET /__control/downloads` → `{"downloads": [{"recordingId", "range", "bytesSent",
//!   "completed"}]}`: every download so far, oldest first. `range` is the part served
//!   (`"first-last"`, inclusive) or `null` for the whole; `bytesSent` counts the body bytes
//!   handed to the connection; `completed` says whether that was all of them.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::content::Progress;
use crate::state::{Shared, Standin};

/// What the next download links do instead of their normal answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DownloadFault {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cut_after_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
}

impl DownloadFault {
    fn check(&self) -> Result<(), String> {
        if self.cut_after_bytes.is_some() && self.status.is_some() {
            return Err("a download fault is cutAfterBytes or status, not both".into());
        }
        if self.status.is_some_and(|status| status != 403) {
            return Err("status must be 403".into());
        }
        if self.times == Some(0) {
            return Err("times must be at least 1".into());
        }
        Ok(())
    }

    fn is_empty(&self) -> bool {
        self.cut_after_bytes.is_none() && self.status.is_none()
    }
}

/// One download, as the log shows it.
#[derive(Debug, Clone)]
pub struct DownloadRecord {
    pub recording_id: String,
    /// The part served, `(first, last)`, or `None` for the whole.
    pub range: Option<(u64, u64)>,
    pub progress: Arc<Progress>,
}

impl DownloadRecord {
    fn to_json(&self) -> Value {
        json!({
            "recordingId": self.recording_id,
            "range": self.range.map(|(first, last)| format!("{first}-{last}")),
            "bytesSent": self.progress.bytes_sent.load(Ordering::Relaxed),
            "completed": self.progress.completed.load(Ordering::Relaxed),
        })
    }
}

/// Uses up one of the fault's `times`, clearing it after the last.
fn use_once(fault: &mut DownloadFault) {
    if let Some(times) = &mut fault.times {
        *times -= 1;
        if *times == 0 {
            *fault = DownloadFault::default();
        }
    }
}

impl Standin {
    /// The status a link request is to be refused with, if a fault says so (using it once).
    pub fn take_download_refusal(&mut self) -> Option<u16> {
        let status = self.download_fault.status?;
        use_once(&mut self.download_fault);
        Some(status)
    }

    /// After how many body bytes a download is to be cut, if a fault says so (using it once).
    pub fn take_download_cut(&mut self) -> Option<u64> {
        let cut = self.download_fault.cut_after_bytes?;
        use_once(&mut self.download_fault);
        Some(cut)
    }

    /// Logs a download starting; the answer is where its body counts its progress.
    pub fn log_download(&mut self, recording_id: &str, range: Option<(u64, u64)>) -> Arc<Progress> {
        let progress = Arc::new(Progress::default());
        self.downloads.push(DownloadRecord {
            recording_id: recording_id.to_owned(),
            range,
            progress: progress.clone(),
        });
        progress
    }
}

/// `POST /__control/downloads/faults`.
pub async fn faults(State(shared): State<Shared>, body: String) -> Response {
    let body = if body.trim().is_empty() { "{}" } else { &body };
    let fault = match serde_json::from_str::<DownloadFault>(body)
        .map_err(|e| format!("invalid body: {e}"))
        .and_then(|fault| fault.check().map(|()| fault))
    {
        Ok(fault) if fault.is_empty() => DownloadFault::default(),
        Ok(fault) => fault,
        Err(error) => {
            return (StatusCode::BAD_REQUEST, Json(json!({ "error": error }))).into_response()
        }
    };
    let mut s = shared.lock().unwrap();
    s.download_fault = fault;
    Json(json!(s.download_fault)).into_response()
}

/// `GET /__control/downloads`.
pub async fn log(State(shared): State<Shared>) -> Json<Value> {
    let s = shared.lock().unwrap();
    let downloads: Vec<Value> = s.downloads.iter().map(DownloadRecord::to_json).collect();
    Json(json!({ "downloads": downloads }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standin(fault: DownloadFault) -> Standin {
        let mut s = Standin::new("key".into(), "d".into(), "http://o".into(), 1);
        s.download_fault = fault;
        s
    }

    #[test]
    fn a_fault_applies_its_number_of_times_then_clears() {
        let mut s = standin(DownloadFault {
            cut_after_bytes: Some(10),
            times: Some(2),
            ..DownloadFault::default()
        });
        assert_eq!(s.take_download_refusal(), None, "a cut is not a refusal");
        assert_eq!(s.take_download_cut(), Some(10));
        assert_eq!(s.take_download_cut(), Some(10));
        assert_eq!(s.take_download_cut(), None);
        assert_eq!(s.download_fault, DownloadFault::default());

        let mut s = standin(DownloadFault {
            status: Some(403),
            ..DownloadFault::default()
        });
        for _ in 0..5 {
            assert_eq!(
                s.take_download_refusal(),
                Some(403),
                "forever without times"
            );
        }
        s.reset();
        assert_eq!(s.take_download_refusal(), None, "a reset clears it");
    }

    #[test]
    fn faults_are_checked() {
        let parse = |body: &str| {
            serde_json::from_str::<DownloadFault>(body)
                .map_err(|e| e.to_string())
                .and_then(|f| f.check())
        };
        assert!(parse(r#"{"cutAfterBytes":0,"times":1}"#).is_ok());
        assert!(parse(r#"{"status":403}"#).is_ok());
        assert!(parse("{}").is_ok());
        assert!(parse(r#"{"status":500}"#).is_err());
        assert!(parse(r#"{"status":403,"cutAfterBytes":5}"#).is_err());
        assert!(parse(r#"{"cutAfterBytes":5,"times":0}"#).is_err());
        assert!(parse(r#"{"cutAfterBytes":-1}"#).is_err());
        assert!(parse(r#"{"cut":5}"#).is_err());
    }
}
