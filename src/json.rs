//! Reading JSON objects field by field: D1 rows, Daily's answers and session-token claims.
//!
//! Each is parsed once into a `serde_json::Value` (one parser, shared by every shape) and then
//! read with `take`. A derived `Deserialize` costs several KB of wasm per type, and serde's
//! error messages bring float formatting with them; this costs a few dozen bytes per field
//! (BENCHMARKS.md, size). Output still goes through `Serialize`.

use serde_json::{Map, Value};

/// A field that is missing, or not of the type its reader expects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} is missing or not of the expected type")]
pub struct FieldError(pub String);

/// A JSON object, read one field at a time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Object(Map<String, Value>);

/// A type read out of an [`Object`].
pub trait FromObject: Sized {
    fn from_object(object: Object) -> Result<Self, FieldError>;

    /// Parses `text` as one JSON object of this shape.
    fn from_json(text: &[u8]) -> Result<Self, FieldError> {
        let value = serde_json::from_slice(text).map_err(|_| FieldError("JSON".into()))?;
        Self::from_object(Object::from_value(value).ok_or_else(|| FieldError("object".into()))?)
    }
}

/// A type one field holds.
pub trait Field: Sized {
    fn from_value(value: Value) -> Option<Self>;
}

impl Object {
    pub fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Object(fields) => Some(Self(fields)),
            _ => None,
        }
    }

    /// The value of field `name` as a `T`, or an error naming the field. A missing field reads
    /// as `null`, so `Option` fields may be left out.
    pub fn take<T: Field>(&mut self, name: &str) -> Result<T, FieldError> {
        T::from_value(self.remove(name)).ok_or_else(|| FieldError(name.to_owned()))
    }

    fn remove(&mut self, name: &str) -> Value {
        self.0.remove(name).unwrap_or(Value::Null)
    }
}

impl Field for Value {
    fn from_value(value: Value) -> Option<Self> {
        Some(value)
    }
}

impl Field for String {
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

impl Field for bool {
    fn from_value(value: Value) -> Option<Self> {
        value.as_bool()
    }
}

impl Field for i64 {
    fn from_value(value: Value) -> Option<Self> {
        value.as_i64()
    }
}

impl Field for u16 {
    fn from_value(value: Value) -> Option<Self> {
        value.as_u64().and_then(|n| n.try_into().ok())
    }
}

impl Field for Object {
    fn from_value(value: Value) -> Option<Self> {
        Object::from_value(value)
    }
}

impl<T: Field> Field for Option<T> {
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Null => Some(None),
            value => T::from_value(value).map(Some),
        }
    }
}

/// Declares a struct and its [`FromObject`]: each field is read from the member of its name.
macro_rules! json_object {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $($(#[$field_meta:meta])* $field_vis:vis $field:ident: $ty:ty),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $($(#[$field_meta])* $field_vis $field: $ty),*
        }

        impl $crate::json::FromObject for $name {
            fn from_object(
                mut object: $crate::json::Object,
            ) -> Result<Self, $crate::json::FieldError> {
                Ok(Self {
                    $($field: object.take(stringify!($field))?),*
                })
            }
        }
    };
}

pub(crate) use json_object;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    json_object! {
        #[derive(Debug)]
        struct Sample {
            id: String,
            start_at: i64,
            ok: bool,
            room: Option<String>,
            status: Option<u16>,
        }
    }

    #[test]
    fn reads_each_field_by_name() {
        let sample = Sample::from_json(
            br#"{"id":"r1","start_at":1795543200,"ok":true,"room":null,"status":201,"x":1}"#,
        )
        .unwrap();
        assert_eq!(sample.id, "r1");
        assert_eq!(sample.start_at, 1_795_543_200);
        assert!(sample.ok);
        assert_eq!(sample.room, None);
        assert_eq!(sample.status, Some(201));
    }

    #[test]
    fn a_missing_or_mistyped_field_is_an_error_naming_it() {
        let read = |v: Value| Sample::from_object(Object::from_value(v).unwrap());
        assert_eq!(
            read(json!({"id": "r1"})).unwrap_err(),
            FieldError("start_at".into())
        );
        assert_eq!(
            read(json!({"id": "r1", "start_at": "soon", "ok": true})).unwrap_err(),
            FieldError("start_at".into())
        );
        assert_eq!(
            read(json!({"id": "r1", "start_at": 1, "ok": true, "status": 70000})).unwrap_err(),
            FieldError("status".into())
        );
        assert_eq!(
            Sample::from_json(b"[1]").unwrap_err(),
            FieldError("object".into())
        );
        assert_eq!(
            Sample::from_json(b"{").unwrap_err(),
            FieldError("JSON".into())
        );
    }
}
