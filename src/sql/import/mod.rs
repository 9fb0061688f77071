//! TiDB's import statements, which sqlparser does not know: IMPORT INTO, SHOW IMPORT
//! JOB(S), CANCEL IMPORT JOB; their parsing and the rows TiDB answers them with.

pub mod assignments;

use crate::sql::dialect::MySql;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

use super::admin::jobs::time;
use super::file_format;
use super::parser::first_word_is;
use super::result::{QueryResult, ResultColumn, ResultSet};
use crate::error::{Error, Result};
use crate::import::{source, Given, ImportJob, Options, Progress};
use crate::types::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum ImportStatement {
    Import(ImportInto),
    /// SHOW IMPORT JOBS (`None`) or SHOW IMPORT JOB id.
    Show(Option<i64>),
    Cancel(i64),
    LoadData(LoadData),
}

/// What LOAD DATA does with a row whose key is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDuplicate {
    /// An error (the default without LOCAL).
    Error,
    Replace,
    /// Skip the row with a warning (IGNORE, and the default with LOCAL).
    Ignore,
}

/// `LOAD DATA [LOCAL] INFILE 'file' [REPLACE | IGNORE] INTO TABLE t [CHARACTER SET cs]
/// [FIELDS ...] [LINES ...] [IGNORE n LINES] [(col_or_@var, ...)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadData {
    pub local: bool,
    pub path: String,
    pub on_duplicate: OnDuplicate,
    pub db: Option<String>,
    pub table: String,
    /// FIELDS / LINES / CHARACTER SET, in IMPORT INTO's terms (MySQL's defaults: fields end
    /// at a tab, nothing encloses them, lines end at `\n`).
    pub format: Options,
    pub ignore_lines: u64,
    pub fields: Option<Vec<Field>>,
    /// LINES STARTING BY: a row begins after this prefix (lines without it are skipped).
    pub lines_starting_by: Option<Vec<u8>>,
    /// `SET col = expr, ...`: (column, expression as SQL text).
    pub assignments: Vec<(String, String)>,
}

/// A field of the column list: a column, or a `@variable` that consumes a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Column(String),
    Var(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImportInto {
    pub db: Option<String>,
    pub table: String,
    pub fields: Option<Vec<Field>>,
    /// `SET col = expr, ...`: (column, expression as SQL text).
    pub assignments: Vec<(String, String)>,
    pub location: String,
    pub format: Option<String>,
    pub options: Vec<(String, Given)>,
}

/// Parses `sql` if it is an import statement (`None` otherwise).
pub fn parse(sql: &str) -> Option<Result<ImportStatement>> {
    if !first_word_is(sql, &["import", "show", "cancel", "load"]) {
        return None;
    }
    let words: Vec<String> = sql
        .split_whitespace()
        .take(4)
        .map(|w| w.to_ascii_lowercase())
        .collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let id = |w: Option<&&str>| -> Result<i64> {
        w.and_then(|w| w.parse().ok())
            .ok_or_else(|| Error::syntax(sql))
    };
    match words.as_slice() {
        ["import", "into", ..] => Some(parse_import(sql).map(ImportStatement::Import)),
        ["show", "import", "jobs"] => Some(Ok(ImportStatement::Show(None))),
        ["show", "import", "job", rest @ ..] => {
            Some(id(rest.first()).map(|id| ImportStatement::Show(Some(id))))
        }
        ["cancel", "import", "job", rest @ ..] => {
            Some(id(rest.first()).map(ImportStatement::Cancel))
        }
        ["load", "data", ..] => Some(parse_load_data(sql).map(ImportStatement::LoadData)),
        _ => None,
    }
}

/// `[db.]table`.
fn table_name(p: &mut Parser, sql: &str) -> Result<(Option<String>, String)> {
    let name = p.parse_object_name(false).map_err(|_| Error::syntax(sql))?;
    let parts: Vec<String> = name
        .0
        .iter()
        .filter_map(|part| part.as_ident().map(|i| i.value.clone()))
        .collect();
    match parts.as_slice() {
        [t] => Ok((None, t.clone())),
        [d, t] => Ok((Some(d.clone()), t.clone())),
        _ => Err(Error::syntax(sql)),
    }
}

/// An optional `(column_or_@var, ...)` list.
fn field_list(p: &mut Parser, sql: &str) -> Result<Option<Vec<Field>>> {
    if !p.consume_token(&Token::LParen) {
        return Ok(None);
    }
    let syntax = |_| Error::syntax(sql);
    let mut list = Vec::new();
    loop {
        list.push(match p.next_token().token {
            Token::AtSign => Field::Var(p.parse_identifier().map_err(syntax)?.value),
            Token::Word(w) if w.value.starts_with('@') => {
                Field::Var(w.value.trim_start_matches('@').to_string())
            }
            Token::Word(w) => Field::Column(w.value),
            _ => return Err(Error::syntax(sql)),
        });
        if !p.consume_token(&Token::Comma) {
            break;
        }
    }
    p.expect_token(&Token::RParen).map_err(syntax)?;
    Ok(Some(list))
}

/// An optional `SET col = expr, ...`: (column, expression as SQL text).
fn assignment_list(p: &mut Parser, sql: &str) -> Result<Vec<(String, String)>> {
    let syntax = |_| Error::syntax(sql);
    let mut assignments = Vec::new();
    if p.parse_keyword(Keyword::SET) {
        loop {
            let column = p.parse_identifier().map_err(syntax)?.value;
            p.expect_token(&Token::Eq).map_err(syntax)?;
            let expr = p.parse_expr().map_err(syntax)?;
            assignments.push((column, expr.to_string()));
            if !p.consume_token(&Token::Comma) {
                break;
            }
        }
    }
    Ok(assignments)
}

fn parse_import(sql: &str) -> Result<ImportInto> {
    let syntax = |_| Error::syntax(sql);
    let dialect = MySql;
    let mut p = Parser::new(&dialect).try_with_sql(sql).map_err(syntax)?;
    let word = |p: &mut Parser, w: &str| match p.next_token().token {
        Token::Word(x) if x.value.eq_ignore_ascii_case(w) => Ok(()),
        _ => Err(Error::syntax(sql)),
    };
    word(&mut p, "import")?;
    p.expect_keyword(Keyword::INTO).map_err(syntax)?;
    let (db, table) = table_name(&mut p, sql)?;
    let fields = field_list(&mut p, sql)?;
    let assignments = assignment_list(&mut p, sql)?;
    p.expect_keyword(Keyword::FROM).map_err(syntax)?;
    if p.parse_keyword(Keyword::SELECT) {
        return Err(Error::Unsupported("IMPORT INTO ... FROM SELECT".into()));
    }
    let location = p.parse_literal_string().map_err(syntax)?;
    let mut format = None;
    if p.parse_keyword(Keyword::FORMAT) {
        format = Some(p.parse_literal_string().map_err(syntax)?);
    }
    let mut options = Vec::new();
    if p.parse_keyword(Keyword::WITH) {
        loop {
            let name = p.parse_identifier().map_err(syntax)?.value;
            let given = if p.consume_token(&Token::Eq) {
                match p.next_token().token {
                    Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => Given::Text(s),
                    Token::Number(n, _) => Given::Number(n.parse().map_err(|_| {
                        Error::new(
                            8164,
                            "HY000",
                            format!("Invalid option value for {}", name.to_ascii_lowercase()),
                        )
                    })?),
                    Token::Minus => match p.next_token().token {
                        Token::Number(n, _) => Given::Number(-n.parse::<i64>().unwrap_or(i64::MAX)),
                        _ => return Err(Error::syntax(sql)),
                    },
                    _ => return Err(Error::syntax(sql)),
                }
            } else {
                Given::Flag
            };
            options.push((name, given));
            if !p.consume_token(&Token::Comma) {
                break;
            }
        }
    }
    if p.peek_token().token != Token::EOF {
        return Err(Error::syntax(sql));
    }
    Ok(ImportInto {
        db,
        table,
        fields,
        assignments,
        location,
        format,
        options,
    })
}

/// The file a `LOAD DATA LOCAL` statement asks the client for (`None` for anything else):
/// the wire layer fetches it before the statement runs.
pub fn local_infile(sql: &str) -> Option<String> {
    let sql = sql.trim();
    if !sql.get(..4).is_some_and(|w| w.eq_ignore_ascii_case("load")) {
        return None;
    }
    match parse(sql) {
        Some(Ok(ImportStatement::LoadData(l))) if l.local => Some(l.path),
        _ => None,
    }
}

fn parse_load_data(sql: &str) -> Result<LoadData> {
    let syntax = |_| Error::syntax(sql);
    let dialect = MySql;
    let mut p = Parser::new(&dialect).try_with_sql(sql).map_err(syntax)?;
    let is = file_format::take_word;
    let expect = |p: &mut Parser, w: &str| {
        if is(p, w) {
            Ok(())
        } else {
            Err(Error::syntax(sql))
        }
    };
    expect(&mut p, "load")?;
    expect(&mut p, "data")?;
    let _ = is(&mut p, "low_priority") || is(&mut p, "concurrent");
    let local = is(&mut p, "local");
    expect(&mut p, "infile")?;
    let path = p.parse_literal_string().map_err(syntax)?;
    let on_duplicate = if is(&mut p, "replace") {
        OnDuplicate::Replace
    } else if is(&mut p, "ignore") || local {
        // LOCAL skips duplicates (the client cannot stop sending the file).
        OnDuplicate::Ignore
    } else {
        OnDuplicate::Error
    };
    expect(&mut p, "into")?;
    expect(&mut p, "table")?;
    let (db, table) = table_name(&mut p, sql)?;
    // MySQL's defaults: fields end at a tab, nothing encloses them, lines end at `\n`.
    let clauses = file_format::parse(&mut p, sql)?;
    let defaults = Options::default();
    let format = Options {
        character_set: clauses.character_set.unwrap_or(defaults.character_set),
        fields_terminated_by: clauses.fields_terminated_by.unwrap_or(b"\t".to_vec()),
        fields_enclosed_by: clauses.fields_enclosed_by.unwrap_or(None),
        fields_escaped_by: clauses
            .fields_escaped_by
            .unwrap_or(defaults.fields_escaped_by),
        lines_terminated_by: Some(clauses.lines_terminated_by.unwrap_or(b"\n".to_vec())),
        ..defaults
    };
    let lines_starting_by =
        (!clauses.lines_starting_by.is_empty()).then_some(clauses.lines_starting_by);
    let mut ignore_lines = 0;
    if is(&mut p, "ignore") {
        ignore_lines = match p.next_token().token {
            Token::Number(n, _) => n.parse().map_err(|_| Error::syntax(sql))?,
            _ => return Err(Error::syntax(sql)),
        };
        if !(is(&mut p, "lines") || is(&mut p, "rows")) {
            return Err(Error::syntax(sql));
        }
    }
    let fields = field_list(&mut p, sql)?;
    let assignments = assignment_list(&mut p, sql)?;
    if p.peek_token().token != Token::EOF {
        return Err(Error::syntax(sql));
    }
    Ok(LoadData {
        local,
        path,
        on_duplicate,
        db,
        table,
        format,
        ignore_lines,
        fields,
        lines_starting_by,
        assignments,
    })
}

/// The rows IMPORT INTO and SHOW IMPORT JOB(S) answer with (TiDB's 13 columns).
pub fn job_rows(jobs: &[(ImportJob, Option<Progress>)]) -> QueryResult {
    let names = [
        "Job_ID",
        "Data_Source",
        "Target_Table",
        "Table_ID",
        "Phase",
        "Status",
        "Source_File_Size",
        "Imported_Rows",
        "Result_Message",
        "Create_Time",
        "Start_Time",
        "End_Time",
        "Created_By",
        "Last_Update_Time",
        "Cur_Step",
        "Cur_Step_Processed_Size",
        "Cur_Step_Total_Size",
        "Cur_Step_Progress_Pct",
        "Cur_Step_Speed",
        "Cur_Step_ETA",
    ];
    let columns = names
        .iter()
        .map(|&n| match n {
            "Job_ID" | "Table_ID" | "Imported_Rows" => ResultColumn::bigint(n),
            _ => ResultColumn::computed(n, Some(crate::types::DataType::varchar(256))),
        })
        .collect();
    let now = chrono::Utc::now().timestamp_micros();
    let rows = jobs
        .iter()
        .map(|(j, progress)| {
            let mut row = vec![
                Value::Int(j.id),
                Value::str(&j.data_source),
                Value::str(&format!("`{}`.`{}`", j.db, j.table)),
                Value::Int(j.table_id),
                Value::str(&j.phase),
                Value::str(j.status.as_str()),
                Value::str(&crate::types::byte_size::human(j.source_file_size)),
                match (j.imported_rows, progress) {
                    (Some(n), _) => Value::Int(n as i64),
                    // While running: the rows read so far.
                    (None, Some(p)) => Value::Int(p.rows as i64),
                    (None, None) => Value::Null,
                },
                Value::str(&j.error_message),
                time(Some(j.create_time)),
                time(j.start_time),
                time(j.end_time),
                Value::str(&j.created_by),
            ];
            row.extend(progress_columns(j, progress.as_ref(), now));
            row
        })
        .collect();
    QueryResult::Rows(ResultSet { columns, rows })
}

/// Last_Update_Time and the `Cur_Step_*` columns (NULL once the job is no longer running).
fn progress_columns(j: &ImportJob, progress: Option<&Progress>, now: i64) -> Vec<Value> {
    let seconds =
        |micros: Option<i64>| match micros.and_then(chrono::DateTime::from_timestamp_micros) {
            Some(t) => Value::str(&t.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string()),
            None => Value::Null,
        };
    let Some(p) = progress else {
        let mut row = vec![seconds(j.end_time.or(j.start_time).or(Some(j.create_time)))];
        row.extend(std::iter::repeat_n(Value::Null, 6));
        return row;
    };
    let sized = |bytes: u64| {
        if p.total == 0 {
            Value::Null
        } else {
            Value::str(&source::decimal_size(bytes as f64))
        }
    };
    let percent = (p.total > 0).then(|| (p.processed.min(p.total) * 100 / p.total).to_string());
    let eta = p
        .eta_secs(now)
        .map(|s| format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60));
    vec![
        seconds(Some(p.updated)),
        Value::str(p.step),
        sized(p.processed),
        sized(p.total),
        percent.map_or(Value::Null, |t| Value::str(&t)),
        if p.total == 0 {
            Value::Null
        } else {
            Value::str(&format!("{}/s", source::decimal_size(p.speed(now))))
        },
        eta.map_or(Value::Null, |t| Value::str(&t)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_into_parses() {
        let Some(Ok(ImportStatement::Import(i))) = parse(
            "IMPORT INTO d.t (a, @skip, b) FROM '/x/*.csv' FORMAT 'csv' WITH skip_rows=1, detached, fields_terminated_by='\\t'",
        ) else {
            panic!("not parsed");
        };
        assert_eq!((i.db.as_deref(), i.table.as_str()), (Some("d"), "t"));
        assert_eq!(
            i.fields,
            Some(vec![
                Field::Column("a".into()),
                Field::Var("skip".into()),
                Field::Column("b".into())
            ])
        );
        assert_eq!(i.location, "/x/*.csv");
        assert_eq!(i.format.as_deref(), Some("csv"));
        assert_eq!(i.options[0], ("skip_rows".into(), Given::Number(1)));
        assert_eq!(i.options[1], ("detached".into(), Given::Flag));
        assert_eq!(
            parse("SHOW IMPORT JOB 7"),
            Some(Ok(ImportStatement::Show(Some(7))))
        );
        assert_eq!(
            parse("cancel import job 9"),
            Some(Ok(ImportStatement::Cancel(9)))
        );
        assert!(parse("IMPORT INTO t FROM").unwrap().is_err());
        assert!(parse("select 1").is_none());
    }

    #[test]
    fn load_data_parses() {
        let Some(Ok(ImportStatement::LoadData(l))) = parse(
            "LOAD DATA LOCAL INFILE '/tmp/x.csv' REPLACE INTO TABLE d.t CHARACTER SET utf8mb4 \
             FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY '\\\\' \
             LINES TERMINATED BY '\\r\\n' IGNORE 1 LINES (a, @x, b)",
        ) else {
            panic!("not parsed");
        };
        assert!(l.local);
        assert_eq!(l.on_duplicate, OnDuplicate::Replace);
        assert_eq!((l.db.as_deref(), l.table.as_str()), (Some("d"), "t"));
        assert_eq!(l.format.fields_terminated_by, b",");
        assert_eq!(l.format.fields_enclosed_by, Some(b'"'));
        assert_eq!(l.format.fields_escaped_by, Some(b'\\'));
        assert_eq!(l.format.lines_terminated_by.as_deref(), Some(&b"\r\n"[..]));
        assert_eq!(l.ignore_lines, 1);
        assert_eq!(l.fields.as_ref().map(Vec::len), Some(3));
        assert_eq!(
            local_infile("load data local infile '/a' into table t"),
            Some("/a".into())
        );
        assert_eq!(local_infile("load data infile '/a' into table t"), None);
        let Some(Ok(ImportStatement::LoadData(l))) = parse("load data infile '/a' into table t")
        else {
            panic!("not parsed");
        };
        assert_eq!(l.on_duplicate, OnDuplicate::Error);
        assert_eq!(l.format.fields_terminated_by, b"\t");
        assert_eq!(l.format.fields_enclosed_by, None);
    }
}
