//! `ROUTINES` and `PARAMETERS`: stored procedures and functions, and their parameters,
//! under MySQL 8's columns. moltdb has none (as TiDB), so both are empty; tools and ORMs
//! read them when they reflect a schema.

use super::{type_columns, Int, Kind, Text, Time};

pub fn columns(table: &str) -> Option<Vec<(&'static str, Kind)>> {
    let t64 = || Text(64);
    Some(match table {
        "ROUTINES" => vec![
            ("SPECIFIC_NAME", t64()),
            ("ROUTINE_CATALOG", t64()),
            ("ROUTINE_SCHEMA", t64()),
            ("ROUTINE_NAME", t64()),
            ("ROUTINE_TYPE", Text(9)),
        ]
        .into_iter()
        .chain(type_columns())
        .chain([
            ("DTD_IDENTIFIER", Text(65_535)),
            ("ROUTINE_BODY", Text(8)),
            ("ROUTINE_DEFINITION", Text(65_535)),
            ("EXTERNAL_NAME", t64()),
            ("EXTERNAL_LANGUAGE", t64()),
            ("PARAMETER_STYLE", Text(3)),
            ("IS_DETERMINISTIC", Text(3)),
            ("SQL_DATA_ACCESS", t64()),
            ("SQL_PATH", t64()),
            ("SECURITY_TYPE", Text(7)),
            ("CREATED", Time),
            ("LAST_ALTERED", Time),
            ("SQL_MODE", Text(8192)),
            ("ROUTINE_COMMENT", Text(65_535)),
            ("DEFINER", Text(288)),
            ("CHARACTER_SET_CLIENT", t64()),
            ("COLLATION_CONNECTION", t64()),
            ("DATABASE_COLLATION", t64()),
        ])
        .collect(),
        "PARAMETERS" => vec![
            ("SPECIFIC_CATALOG", t64()),
            ("SPECIFIC_SCHEMA", t64()),
            ("SPECIFIC_NAME", t64()),
            ("ORDINAL_POSITION", Int),
            ("PARAMETER_MODE", Text(5)),
            ("PARAMETER_NAME", t64()),
        ]
        .into_iter()
        .chain(type_columns())
        .chain([("DTD_IDENTIFIER", Text(65_535)), ("ROUTINE_TYPE", Text(9))])
        .collect(),
        _ => return None,
    })
}
