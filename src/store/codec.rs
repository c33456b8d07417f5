//! How the domain's station codes and closed sets are stored: as TEXT in their one spelling
//! (`as_str`), read back with `parse`. With these, queries bind and read the domain types
//! themselves, and a value the type does not know is a decode error naming it, never a silent
//! default.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::sqlite::{SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Sqlite, Type};

use crate::domain::Crs;
use crate::domain::ticket::{Journey, TicketClass, TicketKind};

/// `Type`, `Encode` and `Decode` as SQLite TEXT, through the type's `as_str` and `parse`.
macro_rules! text_column {
    ($($ty:ident),+ $(,)?) => {$(
        impl Type<Sqlite> for $ty {
            fn type_info() -> SqliteTypeInfo {
                <String as Type<Sqlite>>::type_info()
            }

            fn compatible(ty: &SqliteTypeInfo) -> bool {
                <String as Type<Sqlite>>::compatible(ty)
            }
        }

        impl Encode<'_, Sqlite> for $ty {
            fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
                let text: &str = self.as_str();
                <&str as Encode<'_, Sqlite>>::encode_by_ref(&text, buf)
            }
        }

        impl<'r> Decode<'r, Sqlite> for $ty {
            fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
                let text = <&str as Decode<'r, Sqlite>>::decode(value)?;
                $ty::parse(text).ok_or_else(|| {
                    format!("'{text}' is not a {}", stringify!($ty)).into()
                })
            }
        }
    )+};
}

text_column!(Crs, Journey, TicketClass, TicketKind);

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn closed_sets_round_trip_as_their_text_and_unknown_text_is_an_error() {
        let db = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        let (text, kind): (String, TicketKind) = sqlx::query_as("SELECT $1, $1")
            .bind(TicketKind::SuperOffPeak)
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(
            (text.as_str(), kind),
            ("SUPER_OFF_PEAK", TicketKind::SuperOffPeak)
        );
        let unknown = sqlx::query_scalar::<_, Journey>("SELECT 'both ways'")
            .fetch_one(&db)
            .await
            .unwrap_err();
        assert!(
            unknown.to_string().contains("'both ways' is not a Journey"),
            "{unknown}"
        );
    }
}
