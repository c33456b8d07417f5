//! The shape of each JSON request body — which fields, of which JSON type, which required —
//! checked on the parsed JSON before it is deserialised into its request type. So every shape
//! problem of a body is reported at once, each naming its field, in the API's own words: no
//! serde message ("expected struct …", "at line 1 column 31") ever reaches a client.
//! Pure: bytes in, a typed request or our validation error out.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{Error, FieldError, Result, validation};

/// The JSON type a field must have.
#[derive(Debug, Clone, Copy)]
pub enum Expect {
    /// A string.
    String,
    /// `true` or `false`.
    Bool,
    /// A whole number (its range is the request type's to check).
    Integer,
    /// An array whose items are objects of the given fields.
    ArrayOf(&'static [Field]),
    /// An array whose items are checked later, each on its own (a batch's routes).
    Array,
}

/// One field of a request body.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The field's name.
    pub name: &'static str,
    /// Its JSON type.
    pub expect: Expect,
    /// Whether it must be present.
    pub required: bool,
    /// Whether `null` is accepted (as "not given").
    pub nullable: bool,
}

impl Field {
    /// A required field that must not be null.
    pub const fn required(name: &'static str, expect: Expect) -> Self {
        Self {
            name,
            expect,
            required: true,
            nullable: false,
        }
    }

    /// An optional field that, when present, must have its type.
    pub const fn optional(name: &'static str, expect: Expect) -> Self {
        Self {
            name,
            expect,
            required: false,
            nullable: false,
        }
    }

    /// An optional field for which `null` means "not given".
    pub const fn nullable(name: &'static str, expect: Expect) -> Self {
        Self {
            name,
            expect,
            required: false,
            nullable: true,
        }
    }
}

/// A request type with a JSON body: its fields, which the body is checked against before serde
/// sees it. The list must match the type's `Deserialize` (the tests of each type check that a
/// body passing the list deserialises).
pub trait BodyShape: DeserializeOwned {
    /// Every field the body may have.
    const FIELDS: &'static [Field];
}

/// Parses a JSON body into `T`: 400 `malformed_json` when it is not JSON, else 422
/// `validation_failed` listing every field that is missing, unknown or of the wrong type.
pub fn parse_body<T: BodyShape>(bytes: &[u8]) -> Result<T> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| Error::BadRequest {
        code: "malformed_json",
        message: if e.is_eof() {
            "the body is not valid JSON: it ends before the JSON value is complete".to_owned()
        } else {
            "the body is not valid JSON".to_owned()
        },
    })?;
    parse_value(value)
}

/// Checks parsed JSON against `T`'s shape and deserialises it: 422 `validation_failed` listing
/// every field that is missing, unknown or of the wrong type, in the same words as
/// [`parse_body`] (a batch answers each of its routes with this, as the single endpoint would).
pub fn parse_value<T: BodyShape>(value: Value) -> Result<T> {
    let mut errors = Vec::new();
    check_object(&value, T::FIELDS, "", &mut errors);
    if !errors.is_empty() {
        return Err(validation(errors));
    }
    serde_json::from_value(value).map_err(|e| {
        // The field list and the type disagree: ours to fix, but the client still gets a 422
        // in our words rather than serde's.
        tracing::warn!(error = %e, "a body that passed its shape check did not deserialise");
        validation(vec![FieldError::new(
            "body",
            "does not match the documented request schema",
        )])
    })
}

/// Checks `value` is an object of `fields`, appending a problem per field to `errors`; `path`
/// prefixes the field names (`routes[2].`).
fn check_object(value: &Value, fields: &[Field], path: &str, errors: &mut Vec<FieldError>) {
    let Some(object) = value.as_object() else {
        let at = if path.is_empty() {
            "body".to_owned()
        } else {
            path.trim_end_matches('.').to_owned()
        };
        errors.push(FieldError::new(at, "must be a JSON object"));
        return;
    };
    for field in fields {
        check_field(object, field, path, errors);
    }
    for name in object.keys() {
        if !fields.iter().any(|f| f.name == name) {
            let known: Vec<&str> = fields.iter().map(|f| f.name).collect();
            errors.push(FieldError::new(
                format!("{path}{name}"),
                format!(
                    "is not a field of this request (fields: {})",
                    known.join(", ")
                ),
            ));
        }
    }
}

fn check_field(
    object: &Map<String, Value>,
    field: &Field,
    path: &str,
    errors: &mut Vec<FieldError>,
) {
    let name = format!("{path}{}", field.name);
    let value = match object.get(field.name) {
        None if field.required => {
            errors.push(FieldError::new(name, "is required"));
            return;
        }
        None => return,
        Some(Value::Null) if field.nullable => return,
        Some(v) => v,
    };
    match (field.expect, value) {
        (Expect::String, Value::String(_))
        | (Expect::Bool, Value::Bool(_))
        | (Expect::Array, Value::Array(_)) => {}
        (Expect::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => {}
        (Expect::ArrayOf(items), Value::Array(list)) => {
            for (i, item) in list.iter().enumerate() {
                check_object(item, items, &format!("{name}[{i}]."), errors);
            }
        }
        (expect, _) => errors.push(FieldError::new(
            name,
            format!("must be {}, not {}", describe(expect), json_type(value)),
        )),
    }
}

fn describe(expect: Expect) -> &'static str {
    match expect {
        Expect::String => "a string",
        Expect::Bool => "true or false",
        Expect::Integer => "a whole number",
        Expect::ArrayOf(_) => "an array of objects",
        Expect::Array => "an array",
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only deserialised, to exercise the check")]
    struct Item {
        name: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only deserialised, to exercise the check")]
    struct Probe {
        origin: String,
        fast: Option<bool>,
        note: Option<String>,
        items: Option<Vec<Item>>,
    }

    const ITEM: &[Field] = &[Field::required("name", Expect::String)];

    impl BodyShape for Probe {
        const FIELDS: &'static [Field] = &[
            Field::required("origin", Expect::String),
            Field::optional("fast", Expect::Bool),
            Field::nullable("note", Expect::String),
            Field::optional("items", Expect::ArrayOf(ITEM)),
        ];
    }

    fn problems(body: &str) -> Vec<(String, String)> {
        match parse_body::<Probe>(body.as_bytes()) {
            Ok(_) => Vec::new(),
            Err(e) => e
                .fields()
                .iter()
                .map(|f| (f.field.clone(), f.message.clone()))
                .collect(),
        }
    }

    #[test]
    fn a_good_body_parses() {
        assert!(
            problems(r#"{"origin":"EUS","fast":true,"note":null,"items":[{"name":"a"}]}"#)
                .is_empty()
        );
    }

    #[test]
    fn every_problem_is_listed_at_once_in_our_words() {
        let found = problems(r#"{"fast":"yes","note":3,"colour":"red","items":[{"name":1},7]}"#);
        let fields: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "origin",
                "fast",
                "note",
                "items[0].name",
                "items[1]",
                "colour"
            ]
        );
        assert_eq!(found[0].1, "is required");
        assert_eq!(found[1].1, "must be true or false, not a string");
        assert!(
            found[5].1.contains("origin, fast, note, items"),
            "{}",
            found[5].1
        );
        for (_, message) in &found {
            assert!(
                !message.contains("expected") && !message.contains("line"),
                "{message}"
            );
        }
    }

    #[test]
    fn a_body_that_is_not_an_object_or_not_json_says_so() {
        assert_eq!(
            problems("[1]"),
            [("body".to_owned(), "must be a JSON object".to_owned())]
        );
        for (body, words) in [
            (r#"{"origin": "#, "ends before"),
            ("{origin}", "not valid JSON"),
        ] {
            let e = parse_body::<Probe>(body.as_bytes()).unwrap_err();
            assert_eq!(e.code(), "malformed_json");
            let text = e.to_string();
            assert!(text.contains(words) && !text.contains("column"), "{text}");
        }
    }
}
