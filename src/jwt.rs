//! HS256 compact JWTs (RFC 7515, RFC 7519), the one format of both token kinds: session tokens
//! (verified here, issued by the development sign-in) and Daily meeting tokens (signed here).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::Mac;
use serde::Serialize;

use crate::config::SigningKey;
use crate::json::{json_object, FromObject};

/// `{"alg":"HS256","typ":"JWT"}`, base64url-encoded: the header of every token signed here (and
/// of Daily's own).
const HEADER_B64: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

json_object! {
    /// The JOSE header of a token; only its algorithm matters.
    struct Header {
        alg: String,
    }
}

/// Why a token is refused before its claims are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejected {
    /// Not three base64url parts, or a header that is not a JSON object.
    Malformed,
    /// Another algorithm than HS256 (`none` included), or a signature that does not match.
    BadSignature,
}

/// `b64url(header) . b64url(claims) . b64url(HMAC-SHA256(key, header.claims))`.
pub fn sign(key: &SigningKey, claims: &impl Serialize) -> String {
    let payload = serde_json::to_vec(claims).expect("claims always serialize");
    let mut token = String::with_capacity(HEADER_B64.len() + payload.len() * 4 / 3 + 48);
    token.push_str(HEADER_B64);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(payload, &mut token);
    let mut mac = key.mac();
    mac.update(token.as_bytes());
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(mac.finalize().into_bytes(), &mut token);
    token
}

/// Checks a token's algorithm (HS256 only) and signature (in constant time) and returns its
/// claims as JSON text, still to be read.
pub fn verify(key: &SigningKey, token: &str) -> Result<Vec<u8>, Rejected> {
    let mut parts = token.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Rejected::Malformed);
    };
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| Rejected::Malformed)
    };
    let header = Header::from_json(&decode(header)?).map_err(|_| Rejected::Malformed)?;
    let signature = decode(signature)?;
    let claims = decode(claims)?;
    if header.alg != "HS256" {
        return Err(Rejected::BadSignature);
    }
    let mut mac = key.mac();
    mac.update(&token.as_bytes()[..token.rfind('.').unwrap_or_default()]);
    mac.verify_slice(&signature)
        .map_err(|_| Rejected::BadSignature)?;
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn header_is_hs256_jwt() {
        let header = URL_SAFE_NO_PAD.decode(HEADER_B64).unwrap();
        assert_eq!(header, br#"{"alg":"HS256","typ":"JWT"}"#);
    }

    #[test]
    fn signed_tokens_verify_and_carry_their_claims() {
        let key = SigningKey::new("k".into());
        let token = sign(&key, &json!({"sub": "x"}));
        assert_eq!(verify(&key, &token).unwrap(), br#"{"sub":"x"}"#);
        assert_eq!(
            verify(&SigningKey::new("other".into()), &token),
            Err(Rejected::BadSignature)
        );
        for malformed in [
            "",
            "a.b",
            "a.b.c.d",
            "!!.e30.e30",
            "e30.e30.!!",
            "WzFd.e30.e30",
        ] {
            assert_eq!(
                verify(&key, malformed),
                Err(Rejected::Malformed),
                "{malformed}"
            );
        }
    }
}
