//! Request bodies: JSON read into a derived `Deserialize` type, with the path of the field that
//! is wrong when it is wrong (`serde_path_to_error`), so a 400 always names it.

use serde::de::DeserializeOwned;
use serde_json::Value;

/// Why a request body cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("the request body must be a JSON object")]
    NotAnObject,
    #[error("{0} is required")]
    MissingField(String),
    #[error("{field} {reason}")]
    InvalidField { field: String, reason: String },
}

impl InputError {
    /// A field that is present but unusable.
    pub fn invalid(field: &str, reason: impl ToString) -> Self {
        InputError::InvalidField {
            field: field.to_owned(),
            reason: reason.to_string(),
        }
    }
}

/// Reads a request body into `T`. Fields a request may leave out are `Option`s in `T`; a value
/// of the wrong type is refused with the path of the field (`coachId`, `sessions[2].startDate`).
/// The body must be a JSON object (serde would also read a struct from an array, by position).
pub fn from_json<T: DeserializeOwned>(body: &Value) -> Result<T, InputError> {
    if !body.is_object() {
        return Err(InputError::NotAnObject);
    }
    serde_path_to_error::deserialize(body).map_err(|e| {
        let field = e.path().to_string();
        if field == "." {
            InputError::NotAnObject
        } else {
            InputError::InvalidField {
                field,
                reason: format!("is invalid: {}", e.into_inner()),
            }
        }
    })
}

/// A field the request must carry; JSON `null` counts as missing.
pub fn required<T>(value: Option<T>, field: &str) -> Result<T, InputError> {
    value.ok_or_else(|| InputError::MissingField(field.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Sample {
        coach_id: Option<String>,
        sessions: Option<Vec<Inner>>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Inner {
        #[allow(dead_code)]
        start_date: Option<String>,
    }

    #[test]
    fn a_wrongly_typed_field_is_named_by_its_path() {
        let err = from_json::<Sample>(&json!({"coachId": 42})).unwrap_err();
        assert_eq!(
            err,
            InputError::invalid(
                "coachId",
                "is invalid: invalid type: integer `42`, expected a string"
            )
        );
        let err =
            from_json::<Sample>(&json!({"sessions": [{}, {}, {"startDate": true}]})).unwrap_err();
        assert!(
            matches!(&err, InputError::InvalidField { field, .. } if field == "sessions[2].startDate"),
            "{err:?}"
        );
    }

    #[test]
    fn a_body_that_is_not_an_object_is_said_so() {
        for body in [
            json!([1, 2]),
            json!(["x", null]),
            json!("x"),
            json!(3),
            json!(null),
        ] {
            assert_eq!(
                from_json::<Sample>(&body).unwrap_err(),
                InputError::NotAnObject
            );
        }
    }

    #[test]
    fn missing_and_null_fields_read_as_absent_and_unknown_ones_are_ignored() {
        let s = from_json::<Sample>(&json!({"coachId": null, "other": 1})).unwrap();
        assert_eq!(s.coach_id, None);
        assert_eq!(
            required(s.coach_id, "coachId"),
            Err::<String, _>(InputError::MissingField("coachId".into()))
        );
        assert!(s.sessions.is_none());
    }
}
