//! CREATE TABLE: column definitions and constraints into a [`TableInfo`].

use sqlparser::ast;

use super::types::parse_data_type;
use crate::catalog::{
    CheckInfo, ColumnInfo, DefaultValue, ForeignKeyInfo, GeneratedInfo, IndexInfo, SchemaState,
    TableInfo,
};
use crate::error::{Error, ForeignKeyError, Result};
use crate::sql::planner::binder::Binder;
use crate::sql::planner::scope::Scope;
use crate::sql::session_context::SessionContext;
use crate::types::collation::Collation;
use crate::types::{convert, DataType, Value};

/// Whether CHECK constraints are created: TiDB's `tidb_enable_check_constraint` (off by
/// default; the statement then only warns, see [`dropped_checks`]).
pub fn check_constraints_enabled(session: &dyn SessionContext) -> bool {
    session
        .system_variable("tidb_enable_check_constraint", true)
        .is_ok_and(|v| v.truth() == Some(true))
}

/// True if the statement writes a CHECK constraint that `tidb_enable_check_constraint`
/// being off drops: TiDB answers with warning 1105.
pub fn dropped_checks(ct: &ast::CreateTable, session: &dyn SessionContext) -> bool {
    let any = ct
        .constraints
        .iter()
        .any(|c| matches!(c, ast::TableConstraint::Check(_)))
        || ct.columns.iter().any(|c| {
            c.options
                .iter()
                .any(|o| matches!(o.option, ast::ColumnOption::Check(_)))
        });
    any && !check_constraints_enabled(session)
}

/// The CHECK constraints of a new table, table-level ones first, as TiDB orders them; an
/// unnamed one is `<table>_chk_<n>`. 3820 for a column the table lacks, 3813 for a
/// column constraint naming another column, 3822 for a name given twice.
fn checks<'e>(
    table: &str,
    columns: &[ColumnInfo],
    written: impl Iterator<Item = (Option<String>, &'e ast::Expr, bool, Option<String>)>,
) -> Result<Vec<CheckInfo>> {
    let mut out: Vec<CheckInfo> = Vec::new();
    let mut generated = 0;
    for (name, expr, enforced, column) in written {
        let name = name.unwrap_or_else(|| {
            generated += 1;
            format!("{table}_chk_{generated}")
        });
        if out.iter().any(|c| c.name.eq_ignore_ascii_case(&name)) {
            return Err(Error::duplicate_check(&name));
        }
        for used in referenced_columns(expr) {
            if column
                .as_ref()
                .is_some_and(|c| !c.eq_ignore_ascii_case(&used))
            {
                return Err(Error::new(
                    3813,
                    "HY000",
                    format!("Column check constraint '{name}' references other column."),
                ));
            }
            if !columns.iter().any(|c| c.name.eq_ignore_ascii_case(&used)) {
                return Err(Error::new(
                    3820,
                    "HY000",
                    format!("Check constraint '{name}' refers to non-existing column '{used}'."),
                ));
            }
        }
        out.push(CheckInfo {
            name,
            expr: expr.to_string(),
            enforced,
            state: SchemaState::Public,
        });
    }
    Ok(out)
}

/// The constraint ALTER TABLE ... ADD [CONSTRAINT name] CHECK (expr) adds to `table`: its
/// name given or the next free `<table>_chk_<n>`; 3822 for a name the table has, 3820 for a
/// column it does not.
pub fn new_check(
    table: &TableInfo,
    name: Option<String>,
    expr: &ast::Expr,
    enforced: bool,
) -> Result<CheckInfo> {
    let name = name.unwrap_or_else(|| next_check_name(table));
    if table
        .checks
        .iter()
        .any(|c| c.name.eq_ignore_ascii_case(&name))
    {
        return Err(Error::duplicate_check(&name));
    }
    let mut out = checks(
        &table.name,
        &table.columns,
        std::iter::once((Some(name), expr, enforced, None)),
    )?;
    Ok(out.remove(0))
}

/// The name MySQL gives the next unnamed CHECK constraint of `table`: `<table>_chk_<n>`,
/// one past the highest `n` it has.
pub fn next_check_name(table: &TableInfo) -> String {
    let prefix = format!("{}_chk_", table.name.to_lowercase());
    let next = table
        .checks
        .iter()
        .filter_map(|c| {
            c.name
                .to_lowercase()
                .strip_prefix(&prefix)?
                .parse::<u32>()
                .ok()
        })
        .max()
        .unwrap_or(0)
        .saturating_add(1);
    format!("{}_chk_{next}", table.name)
}

/// ADD COLUMN's definition without its `GENERATED ALWAYS AS (...)`, and that clause: the
/// column's expression may read the table's columns, which the definition alone (a table of
/// one column) does not know, so it is checked apart ([`check_added_generated`]).
pub fn split_generated(
    def: &ast::ColumnDef,
) -> (ast::ColumnDef, Option<(GeneratedInfo, ast::Expr)>) {
    let mut def = def.clone();
    let mut generated = None;
    def.options.retain(|o| match &o.option {
        ast::ColumnOption::Generated {
            generation_expr: Some(e),
            generation_expr_mode,
            ..
        } => {
            let stored = matches!(
                generation_expr_mode,
                Some(ast::GeneratedExpressionMode::Stored)
            );
            let info = GeneratedInfo {
                expr: e.to_string(),
                stored,
            };
            generated = Some((info, e.clone()));
            false
        }
        _ => true,
    });
    (def, generated)
}

/// A generated column added to `table` (as `column`) reads only columns the table has
/// (1054), none of them AUTO_INCREMENT (3109).
pub fn check_added_generated(
    table: &TableInfo,
    column: &ColumnInfo,
    expr: &ast::Expr,
) -> Result<()> {
    let mut columns: Vec<ColumnInfo> = table.public_columns().map(|(_, c)| c.clone()).collect();
    columns.push(column.clone());
    check_generated(&columns, &column.name, expr)
}

/// A generated column may read the columns before it (3107 for a later generated one)
/// and only existing ones (1054); never an AUTO_INCREMENT column (3109).
fn check_generated(columns: &[ColumnInfo], column: &str, expr: &ast::Expr) -> Result<()> {
    let at = columns
        .iter()
        .position(|c| c.name.eq_ignore_ascii_case(column))
        .unwrap_or(0);
    for used in referenced_columns(expr) {
        let Some(i) = columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(&used))
        else {
            return Err(Error::unknown_column(&used, "generated column function"));
        };
        if columns[i].auto_increment {
            return Err(Error::new(
                3109,
                "HY000",
                format!("Generated column '{column}' cannot refer to auto-increment column."),
            ));
        }
        if columns[i].generated.is_some() && i >= at {
            return Err(Error::new(
                3107,
                "HY000",
                "Generated column can refer only to generated columns defined prior to it.",
            ));
        }
    }
    Ok(())
}

/// The first public generated column of `table` whose expression reads `column`.
pub fn generated_dependent<'a>(table: &'a TableInfo, column: &str) -> Option<&'a str> {
    table
        .public_columns()
        .find(|(_, c)| {
            c.generated.as_ref().is_some_and(|g| {
                sqlparser::parser::Parser::new(&crate::sql::dialect::MySql)
                    .try_with_sql(&g.expr)
                    .and_then(|mut p| p.parse_expr())
                    .is_ok_and(|e| {
                        referenced_columns(&e)
                            .iter()
                            .any(|u| u.eq_ignore_ascii_case(column))
                    })
            })
        })
        .map(|(_, c)| c.name.as_str())
}

/// The column names an expression reads.
fn referenced_columns(e: &ast::Expr) -> Vec<String> {
    let mut names = Vec::new();
    let _ = ast::visit_expressions(e, |x| {
        match x {
            ast::Expr::Identifier(id) => names.push(id.value.clone()),
            ast::Expr::CompoundIdentifier(ids) => {
                names.extend(ids.last().map(|i| i.value.clone()));
            }
            _ => {}
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    names
}

/// TiDB's `CLUSTERED` / `NONCLUSTERED` on the primary key of CREATE TABLE `sql` (None: not
/// said; the statement's parse left the word out).
pub fn clustering(sql: &str) -> Option<bool> {
    let mut tokens = super::parser::tokenize(sql).ok()?;
    super::tidb_syntax::take_clustering(&mut tokens)
}

/// The indexes CREATE TABLE `sql` says VISIBLE or INVISIBLE (by name), and which it says.
pub fn index_visibility(sql: &str) -> Vec<(String, bool)> {
    match super::parser::tokenize(sql) {
        Ok(mut tokens) => super::tidb_syntax::take_index_visibility(&mut tokens),
        Err(_) => Vec::new(),
    }
}

/// The table `ct` defines. A single integer primary key is the row handle (TiDB's
/// clustered index) unless `clustered` says NONCLUSTERED; any other primary key is a unique
/// index named PRIMARY whatever `clustered` says, moltdb clustering integer keys only.
pub fn table_info(
    ct: &ast::CreateTable,
    name: &str,
    session: &dyn SessionContext,
    inherited: Collation,
    clustered: Option<bool>,
) -> Result<TableInfo> {
    let table_collation = table_collation(&ct.table_options, inherited)?;
    let mut columns: Vec<ColumnInfo> = Vec::new();
    let mut indexes: Vec<IndexInfo> = Vec::new();
    // Names given in the statement must be unique; generated ones get a suffix instead.
    let mut explicit_names: Vec<bool> = Vec::new();
    let mut primary: Option<Vec<usize>> = None;
    let mut foreign_keys = Vec::new();
    // Each foreign key's index name and columns: the index it gets unless one has them.
    let mut fk_indexes: Vec<(Option<String>, Vec<usize>)> = Vec::new();
    // CHECK constraints as written: (name, condition, enforced, the column it is written on).
    let mut column_checks: Vec<(Option<String>, &ast::Expr, bool, String)> = Vec::new();
    // Generated columns and their expressions, checked once every column is known.
    let mut generated_exprs: Vec<(String, &ast::Expr)> = Vec::new();
    for (i, def) in ct.columns.iter().enumerate() {
        if columns
            .iter()
            .any(|c| c.name.eq_ignore_ascii_case(&def.name.value))
        {
            return Err(Error::duplicate_column(&def.name.value));
        }
        let ty = with_collation(
            parse_data_type(&def.data_type, &def.name.value)?,
            def,
            table_collation,
        )?;
        let mut col = ColumnInfo::new(i as u64 + 1, def.name.value.clone(), ty);
        for opt in &def.options {
            match &opt.option {
                ast::ColumnOption::Null => col.nullable = true,
                ast::ColumnOption::NotNull => col.nullable = false,
                ast::ColumnOption::Default(e) => col.default = Some(default_of(e, &col, session)?),
                ast::ColumnOption::PrimaryKey(_) => {
                    check_index_part(&col, None)?;
                    if primary.is_some() {
                        return Err(Error::new(1068, "42000", "Multiple primary key defined"));
                    }
                    primary = Some(vec![i]);
                    col.nullable = false;
                }
                ast::ColumnOption::Unique(_) => {
                    check_index_part(&col, None)?;
                    indexes.push(index(&col.name, vec![i], true));
                    explicit_names.push(false);
                }
                ast::ColumnOption::DialectSpecific(tokens)
                    if tokens
                        .iter()
                        .any(|t| t.to_string().eq_ignore_ascii_case("AUTO_INCREMENT")) =>
                {
                    col.auto_increment = true;
                }
                ast::ColumnOption::Comment(c) => col.comment = c.clone(),
                ast::ColumnOption::OnUpdate(_) => col.on_update_current_timestamp = true,
                ast::ColumnOption::CharacterSet(_) | ast::ColumnOption::Collation(_) => {}
                ast::ColumnOption::Generated {
                    generation_expr: Some(e),
                    generation_expr_mode,
                    ..
                } => {
                    col.generated = Some(crate::catalog::GeneratedInfo {
                        expr: e.to_string(),
                        stored: matches!(
                            generation_expr_mode,
                            Some(ast::GeneratedExpressionMode::Stored)
                        ),
                    });
                    generated_exprs.push((def.name.value.clone(), e));
                }
                ast::ColumnOption::Check(c) => column_checks.push((
                    c.name
                        .as_ref()
                        .or(opt.name.as_ref())
                        .map(|n| n.value.clone()),
                    &c.expr,
                    c.enforced.unwrap_or(true),
                    def.name.value.clone(),
                )),
                other => return Err(Error::unsupported(format!("column option {other}"))),
            }
        }
        columns.push(col);
    }
    let column_names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
    for (column, expr) in &generated_exprs {
        check_generated(&columns, column, expr)?;
    }
    // An index column's offset, and its prefix length checked against the column (as
    // defined: the keys below only make columns NOT NULL).
    let defined = columns.clone();
    let part_offset = |c: &ast::IndexColumn| -> Result<(usize, Option<u32>)> {
        let part = index_part(c)?;
        let offset = col_offset_of(&column_names, &part.column)?;
        check_index_part(&defined[offset], part.prefix)?;
        Ok((offset, part.prefix))
    };
    let col_offset = |c: &ast::IndexColumn| -> Result<usize> {
        match part_offset(c)? {
            (offset, None) => Ok(offset),
            (_, Some(_)) => Err(Error::unsupported("a primary key on a column prefix")),
        }
    };
    let parts_of = |cols: &[ast::IndexColumn]| -> Result<(Vec<usize>, Vec<Option<u32>>)> {
        let parts = cols.iter().map(part_offset).collect::<Result<Vec<_>>>()?;
        Ok(parts.into_iter().unzip())
    };
    for c in &ct.constraints {
        match c {
            ast::TableConstraint::PrimaryKey(pk) => {
                if primary.is_some() {
                    return Err(Error::new(1068, "42000", "Multiple primary key defined"));
                }
                let cols = pk
                    .columns
                    .iter()
                    .map(col_offset)
                    .collect::<Result<Vec<_>>>()?;
                for &c in &cols {
                    columns[c].nullable = false;
                }
                primary = Some(cols);
            }
            ast::TableConstraint::Unique(u) => {
                let (cols, prefixes) = parts_of(&u.columns)?;
                let name = u
                    .name
                    .as_ref()
                    .or(u.index_name.as_ref())
                    .map(|n| n.value.clone());
                explicit_names.push(name.is_some());
                let name = name.unwrap_or_else(|| columns[cols[0]].name.clone());
                indexes.push(
                    IndexInfo {
                        comment: index_comment(&u.index_options),
                        ..index(&name, cols, true)
                    }
                    .with_prefixes(prefixes),
                );
            }
            ast::TableConstraint::Index(ix) => {
                explicit_names.push(ix.name.is_some());
                let (cols, prefixes) = parts_of(&ix.columns)?;
                let name = ix
                    .name
                    .as_ref()
                    .map(|n| n.value.clone())
                    .unwrap_or_else(|| columns[cols[0]].name.clone());
                indexes.push(
                    IndexInfo {
                        comment: index_comment(&ix.index_options),
                        ..index(&name, cols, false)
                    }
                    .with_prefixes(prefixes),
                );
            }
            ast::TableConstraint::ForeignKey(fk) => {
                let cols = fk
                    .columns
                    .iter()
                    .map(|c| col_offset_of(&column_names, &c.value))
                    .collect::<Result<Vec<_>>>()?;
                let n = foreign_keys.len() + 1;
                foreign_keys.push(foreign_key(fk, name, n)?);
                fk_indexes.push((foreign_key_index_name(fk), cols));
            }
            ast::TableConstraint::Check(_) => {}
            other => return Err(Error::unsupported(format!("constraint {other}"))),
        }
    }
    // A foreign key needs an index starting with its columns; MySQL adds one if no key
    // has them (named after the constraint, else the column).
    for (fk_name, cols) in fk_indexes {
        let covered = primary.as_ref().is_some_and(|p| p.starts_with(&cols))
            || indexes.iter().any(|ix| ix.columns.starts_with(&cols));
        if !covered {
            explicit_names.push(fk_name.is_some());
            let name = fk_name.unwrap_or_else(|| columns[cols[0]].name.clone());
            indexes.push(index(&name, cols, false));
        }
    }
    // MySQL names unnamed indexes after their first column, adding _2, _3 on clashes.
    let mut seen: Vec<String> = Vec::new();
    for (ix, explicit) in indexes.iter_mut().zip(&explicit_names) {
        let clash = seen.iter().any(|s| s.eq_ignore_ascii_case(&ix.name));
        if clash && *explicit {
            return Err(Error::duplicate_key_name(&ix.name));
        }
        if clash {
            let base = ix.name.clone();
            let mut n = 2;
            while seen
                .iter()
                .any(|s| s.eq_ignore_ascii_case(&format!("{base}_{n}")))
            {
                n += 1;
            }
            ix.name = format!("{base}_{n}");
        }
        seen.push(ix.name.clone());
    }
    let auto_cols = columns.iter().filter(|c| c.auto_increment).count();
    if auto_cols > 1 {
        return Err(Error::new(1075, "42000", "Incorrect table definition; there can be only one auto column and it must be defined as a key"));
    }
    let handle_column = match &primary {
        Some(cols)
            if cols.len() == 1 && columns[cols[0]].ty.is_integer() && clustered != Some(false) =>
        {
            Some(cols[0])
        }
        _ => None,
    };
    if let (Some(cols), None) = (&primary, handle_column) {
        indexes.insert(
            0,
            IndexInfo {
                primary: true,
                ..index("PRIMARY", cols.clone(), true)
            },
        );
    }
    for (i, ix) in indexes.iter_mut().enumerate() {
        ix.id = i as i64 + 1;
    }
    let next_index_id = indexes.len() as i64 + 1;
    let info = TableInfo {
        id: 0,
        db_id: 0,
        name: name.to_string(),
        next_column_id: columns.len() as u64 + 1,
        columns,
        indexes,
        handle_column,
        next_index_id,
        comment: ct
            .comment
            .as_ref()
            .map(|c| c.to_string())
            .or_else(|| table_comment(&ct.table_options))
            .unwrap_or_default(),
        charset: table_collation.charset().into(),
        collation: table_collation.name().into(),
        state: SchemaState::Public,
        foreign_keys,
        temporary: ct.temporary,
        view: None,
        checks: Vec::new(),
        auto_id_rebases: 0,
    };
    let mut info = info;
    if check_constraints_enabled(session) {
        let table_checks = ct.constraints.iter().filter_map(|c| match c {
            ast::TableConstraint::Check(c) => Some((
                c.name.as_ref().map(|n| n.value.clone()),
                c.expr.as_ref(),
                c.enforced.unwrap_or(true),
                None,
            )),
            _ => None,
        });
        let column_checks = column_checks
            .into_iter()
            .map(|(n, e, enforced, col)| (n, e, enforced, Some(col)));
        info.checks = checks(name, &info.columns, table_checks.chain(column_checks))?;
    }
    super::limits::table(&info)?;
    Ok(info)
}

fn col_offset_of(names: &[String], name: &str) -> Result<usize> {
    names
        .iter()
        .position(|col| col.eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            Error::new(
                1072,
                "42000",
                format!("Key column '{name}' doesn't exist in table"),
            )
        })
}

/// A FOREIGN KEY clause as moltdb records it; `n` numbers it among the table's (the
/// name of an unnamed one, `t_ibfk_n`). The other side is checked where the schema is
/// known (`sql::foreign_key`).
pub fn foreign_key(
    fk: &ast::ForeignKeyConstraint,
    table: &str,
    n: usize,
) -> Result<ForeignKeyInfo> {
    let (ref_db, ref_table) = super::context::split_name(&fk.foreign_table)?;
    let name = fk
        .name
        .as_ref()
        .map(|n| n.value.clone())
        .unwrap_or_else(|| format!("{table}_ibfk_{n}"));
    if fk.columns.len() != fk.referred_columns.len() {
        return Err(ForeignKeyError::WrongDefinition { constraint: name }.into());
    }
    let action = |a: &Option<ast::ReferentialAction>| {
        a.as_ref()
            .map(|a| a.to_string())
            .unwrap_or_else(|| "NO ACTION".into())
    };
    Ok(ForeignKeyInfo {
        name,
        columns: fk.columns.iter().map(|c| c.value.clone()).collect(),
        ref_db,
        ref_table,
        ref_columns: fk
            .referred_columns
            .iter()
            .map(|c| c.value.clone())
            .collect(),
        on_delete: action(&fk.on_delete),
        on_update: action(&fk.on_update),
        state: SchemaState::Public,
    })
}

/// The name of the index MySQL adds for a foreign key whose columns no index starts
/// with: the constraint's name, else the FOREIGN KEY clause's index name (`None`: the
/// first column's, as for any unnamed index).
pub fn foreign_key_index_name(fk: &ast::ForeignKeyConstraint) -> Option<String> {
    fk.name
        .as_ref()
        .or(fk.index_name.as_ref())
        .map(|n| n.value.clone())
}

/// One part of an index definition: a column, whole or its first `prefix` characters
/// (bytes of a binary string), as in `KEY k (name(10))`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexPart {
    pub column: String,
    pub prefix: Option<u32>,
}

/// The column (and prefix length) an index definition names; an expression is 1235.
pub fn index_part(c: &ast::IndexColumn) -> Result<IndexPart> {
    let expr = &c.column.expr;
    let whole = |column: &ast::Ident| IndexPart {
        column: column.value.clone(),
        prefix: None,
    };
    match expr {
        ast::Expr::Identifier(id) => Ok(whole(id)),
        // sqlparser reads `name(10)` as a call.
        ast::Expr::Function(f) if f.name.0.len() == 1 && f.over.is_none() => {
            let length = f.args.to_string();
            let length = length.trim_start_matches('(').trim_end_matches(')').trim();
            match (f.name.0[0].as_ident(), length.parse::<u32>()) {
                (Some(id), Ok(n)) => Ok(IndexPart {
                    prefix: Some(n),
                    ..whole(id)
                }),
                _ => Err(Error::unsupported(format!("index on expression {expr}"))),
            }
        }
        other => Err(Error::unsupported(format!("index on expression {other}"))),
    }
}

/// MySQL's rules for an index part: no JSON column (3152), a TEXT or BLOB column only by a
/// prefix (1170), and a prefix length a string column's only, no longer than the column
/// (1089), not 0 (1391).
pub fn check_index_part(col: &ColumnInfo, prefix: Option<u32>) -> Result<()> {
    if matches!(col.ty, DataType::Json) {
        return Err(Error::new(
            3152,
            "42000",
            format!(
                "JSON column '{}' cannot be used in key specification.",
                col.name
            ),
        ));
    }
    let Some(n) = prefix else {
        // A TEXT or BLOB value has no bound an index entry could hold whole.
        if matches!(col.ty, DataType::Text { .. } | DataType::Blob { .. }) {
            return Err(Error::new(
                1170,
                "42000",
                format!(
                    "BLOB/TEXT column '{}' used in key specification without a key length",
                    col.name
                ),
            ));
        }
        return Ok(());
    };
    if n == 0 {
        return Err(Error::new(
            1391,
            "HY000",
            format!("Key part '{}' length cannot be 0", col.name),
        ));
    }
    let longest = match col.ty {
        DataType::Char { len, .. } | DataType::Binary { len, .. } => Some(len),
        DataType::Text { max_len, .. } | DataType::Blob { max_len } => Some(max_len),
        _ => None,
    };
    if longest.is_none_or(|longest| n > longest) {
        return Err(Error::new(
            1089,
            "HY000",
            "Incorrect prefix key; the used key part isn't a string, the used length is longer than the key part, or the storage engine doesn't support unique prefix keys",
        ));
    }
    Ok(())
}

/// An index definition's `COMMENT '...'` (empty without one).
pub fn index_comment(options: &[ast::IndexOption]) -> String {
    options
        .iter()
        .rev()
        .find_map(|o| match o {
            ast::IndexOption::Comment(c) => Some(c.clone()),
            ast::IndexOption::Using(_) => None,
        })
        .unwrap_or_default()
}

fn index(name: &str, columns: Vec<usize>, unique: bool) -> IndexInfo {
    IndexInfo {
        id: 0,
        name: name.to_string(),
        columns,
        unique,
        primary: false,
        state: SchemaState::Public,
        comment: String::new(),
        backfill: Default::default(),
        invisible: false,
        prefixes: Vec::new(),
    }
}

/// The default `e` gives column `col`, checked against its type (1067 when it does not
/// fit). CREATE TABLE and ALTER COLUMN ... SET DEFAULT both take defaults here.
pub fn default_of(
    e: &ast::Expr,
    col: &ColumnInfo,
    session: &dyn SessionContext,
) -> Result<DefaultValue> {
    if let ast::Expr::Function(f) = e {
        let n = f.name.to_string().to_ascii_lowercase();
        if matches!(
            n.as_str(),
            "current_timestamp" | "now" | "localtime" | "localtimestamp"
        ) {
            return Ok(DefaultValue::CurrentTimestamp);
        }
    }
    let v = Binder::new(&Scope::default(), session, "field list")
        .bind(e)?
        .eval(&[])?;
    if v.is_null() {
        if !col.nullable {
            return Err(invalid_default(&col.name));
        }
        return Ok(DefaultValue::Null);
    }
    match convert::to_column_type(&v, &col.ty) {
        Ok(Value::Null) => Ok(DefaultValue::Null),
        Ok(v) => Ok(DefaultValue::Literal(convert::stored_text(&v, &col.ty))),
        Err(_) => Err(invalid_default(&col.name)),
    }
}

/// MySQL's 1067 for a default column `col` cannot have.
pub fn invalid_default(col: &str) -> Error {
    Error::new(1067, "42000", format!("Invalid default value for '{col}'"))
}

/// A column's type with the collation its definition asks for (`CHARACTER SET`, `COLLATE`),
/// else the table's: only character types have one. 1115 / 1273 / 1253 for names that do
/// not exist or do not fit together.
fn with_collation(ty: DataType, def: &ast::ColumnDef, table: Collation) -> Result<DataType> {
    let (mut charset, mut collation) = (None, None);
    for opt in &def.options {
        match &opt.option {
            ast::ColumnOption::CharacterSet(n) => charset = Some(unquoted(n)),
            ast::ColumnOption::Collation(n) => collation = Some(unquoted(n)),
            _ => {}
        }
    }
    let resolved = super::collation::resolve(charset.as_deref(), collation.as_deref(), table)?;
    Ok(match ty {
        DataType::Char { len, varying, .. } => DataType::Char {
            len,
            varying,
            collation: resolved,
        },
        DataType::Text { max_len, .. } => DataType::Text {
            max_len,
            collation: resolved,
        },
        other => other,
    })
}

/// The table's default collation: what `[DEFAULT] CHARSET` and `[DEFAULT] COLLATE` among
/// its options say, else the database's (`inherited`).
fn table_collation(options: &ast::CreateTableOptions, inherited: Collation) -> Result<Collation> {
    let (mut charset, mut collation) = (None, None);
    for o in option_list(options) {
        if let ast::SqlOption::KeyValue { key, value } = o {
            let value = value.to_string().trim_matches(['\'', '"', '`']).to_string();
            match key.value.to_ascii_uppercase().as_str() {
                "COLLATE" | "DEFAULT COLLATE" => collation = Some(value),
                "CHARSET" | "DEFAULT CHARSET" | "CHARACTER SET" | "DEFAULT CHARACTER SET" => {
                    charset = Some(value)
                }
                _ => {}
            }
        }
    }
    super::collation::resolve(charset.as_deref(), collation.as_deref(), inherited)
}

/// A table's options, however sqlparser met them.
fn option_list(options: &ast::CreateTableOptions) -> &[ast::SqlOption] {
    match options {
        ast::CreateTableOptions::None => &[],
        ast::CreateTableOptions::With(v)
        | ast::CreateTableOptions::Options(v)
        | ast::CreateTableOptions::Plain(v)
        | ast::CreateTableOptions::TableProperties(v) => v,
    }
}

fn unquoted(name: &ast::ObjectName) -> String {
    name.to_string().trim_matches(['\'', '"', '`']).to_string()
}

/// The table option `AUTO_INCREMENT [=] n`: the first id to hand out (0 means 1, as in
/// MySQL).
pub fn table_auto_increment(options: &ast::CreateTableOptions) -> Result<Option<i64>> {
    let value = option_list(options).iter().rev().find_map(|o| match o {
        ast::SqlOption::KeyValue { key, value }
            if key.value.eq_ignore_ascii_case("auto_increment") =>
        {
            Some(value)
        }
        _ => None,
    });
    let Some(value) = value else {
        return Ok(None);
    };
    let number = match value {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::Number(n, _) => n.parse::<u64>().ok(),
            _ => None,
        },
        _ => None,
    };
    let n = number.ok_or_else(|| Error::syntax(&format!("AUTO_INCREMENT = {value}")))?;
    Ok(Some(i64::try_from(n.max(1)).unwrap_or(i64::MAX)))
}

/// `COMMENT [=] 'x'` among MySQL table options.
pub fn table_comment(options: &ast::CreateTableOptions) -> Option<String> {
    option_list(options).iter().find_map(|o| match o {
        ast::SqlOption::Comment(c) => Some(c.to_string()),
        _ => None,
    })
}
