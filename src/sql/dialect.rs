//! The SQL dialect moltdb parses: sqlparser's MySQL dialect, with the `BINARY` operator
//! bound as tightly as MySQL binds it. sqlparser reads `BINARY` as a cast of the whole
//! expression after it, so Django's `name LIKE BINARY 'p%' AND id > 3` became
//! `name LIKE CAST('p%' AND id > 3 AS BINARY)`; MySQL reads `(name LIKE BINARY 'p%') AND
//! id > 3`. `a MOD b` is the modulo operator, as MySQL has it. Everything else is the
//! MySQL dialect's: each hook below forwards to it, and the dialect reports itself as
//! MySQL's so sqlparser's MySQL-only rules apply.

use std::any::TypeId;

use sqlparser::ast::helpers::attached_token::AttachedToken;
use sqlparser::ast::{self, BinaryOperator, CastKind, DataType, Expr, Statement};
use sqlparser::dialect::{Dialect, MySqlDialect, Precedence};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

#[derive(Debug, Default)]
pub struct MySql;

const MYSQL: MySqlDialect = MySqlDialect {};

impl Dialect for MySql {
    fn dialect(&self) -> TypeId {
        TypeId::of::<MySqlDialect>()
    }

    /// `BINARY x` casts the operand only: the next operator applies to the cast.
    /// `INTERVAL(n, n1, ...)` is the INTERVAL function, not an interval literal.
    fn parse_prefix(&self, parser: &mut Parser) -> Option<Result<Expr, ParserError>> {
        let is_interval_call = matches!(
            &parser.peek_token_ref().token,
            Token::Word(w) if w.keyword == Keyword::INTERVAL
        ) && parser.peek_nth_token_ref(1).token == Token::LParen;
        if is_interval_call {
            if let Ok(Some(call)) = parser.maybe_parse(interval_call) {
                return Some(Ok(call));
            }
            return None;
        }
        let is_binary = matches!(
            &parser.peek_token_ref().token,
            Token::Word(w) if w.keyword == Keyword::BINARY
        );
        if !is_binary {
            return None;
        }
        parser.next_token();
        let operand = parser.parse_subexpr(self.prec_value(Precedence::DoubleColon));
        Some(operand.map(|expr| Expr::Cast {
            kind: CastKind::Cast,
            expr: Box::new(expr),
            data_type: DataType::Binary(None),
            format: None,
        }))
    }

    fn is_identifier_start(&self, ch: char) -> bool {
        MYSQL.is_identifier_start(ch)
    }
    fn is_identifier_part(&self, ch: char) -> bool {
        MYSQL.is_identifier_part(ch)
    }
    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        MYSQL.is_delimited_identifier_start(ch)
    }
    fn identifier_quote_style(&self, identifier: &str) -> Option<char> {
        MYSQL.identifier_quote_style(identifier)
    }
    fn supports_string_literal_backslash_escape(&self) -> bool {
        MYSQL.supports_string_literal_backslash_escape()
    }
    fn supports_string_literal_concatenation(&self) -> bool {
        MYSQL.supports_string_literal_concatenation()
    }
    fn ignores_wildcard_escapes(&self) -> bool {
        MYSQL.ignores_wildcard_escapes()
    }
    fn supports_numeric_prefix(&self) -> bool {
        MYSQL.supports_numeric_prefix()
    }
    fn supports_bitwise_shift_operators(&self) -> bool {
        MYSQL.supports_bitwise_shift_operators()
    }
    fn supports_multiline_comment_hints(&self) -> bool {
        MYSQL.supports_multiline_comment_hints()
    }
    /// `a MOD b` binds as `%` does (sqlparser reads `MOD` after an expression as an alias).
    fn get_next_precedence(&self, parser: &Parser) -> Option<Result<u8, ParserError>> {
        let is_mod = matches!(
            &parser.peek_token_ref().token,
            Token::Word(w) if w.keyword == Keyword::MOD
        );
        is_mod.then(|| Ok(self.prec_value(Precedence::MulDivModOp)))
    }

    fn parse_infix(
        &self,
        parser: &mut Parser,
        expr: &Expr,
        precedence: u8,
    ) -> Option<Result<Expr, ParserError>> {
        if parser.parse_keyword(Keyword::MOD) {
            let right = match parser.parse_subexpr(precedence) {
                Ok(e) => e,
                Err(e) => return Some(Err(e)),
            };
            return Some(Ok(Expr::BinaryOp {
                left: Box::new(expr.clone()),
                op: BinaryOperator::Modulo,
                right: Box::new(right),
            }));
        }
        MYSQL.parse_infix(parser, expr, precedence)
    }
    /// `CHARSET name` in a column definition is MySQL's spelling of `CHARACTER SET name`.
    fn parse_column_option(
        &self,
        parser: &mut Parser,
    ) -> Result<Option<Result<Option<ast::ColumnOption>, ParserError>>, ParserError> {
        if !parser.parse_keyword(Keyword::CHARSET) {
            return Ok(None);
        }
        Ok(Some(
            parser
                .parse_object_name(false)
                .map(|n| Some(ast::ColumnOption::CharacterSet(n))),
        ))
    }
    fn parse_statement(&self, parser: &mut Parser) -> Option<Result<Statement, ParserError>> {
        // Only an UPDATE is tried: a failed attempt formats an error message.
        if !parser.peek_keyword(Keyword::UPDATE) {
            return MYSQL.parse_statement(parser);
        }
        match parser.maybe_parse(multi_table_update) {
            Ok(Some(update)) => Some(Ok(update)),
            Ok(None) => MYSQL.parse_statement(parser),
            Err(e) => Some(Err(e)),
        }
    }
    fn require_interval_qualifier(&self) -> bool {
        MYSQL.require_interval_qualifier()
    }
    fn supports_limit_comma(&self) -> bool {
        MYSQL.supports_limit_comma()
    }
    fn supports_create_table_select(&self) -> bool {
        MYSQL.supports_create_table_select()
    }
    fn supports_insert_set(&self) -> bool {
        MYSQL.supports_insert_set()
    }
    fn supports_user_host_grantee(&self) -> bool {
        MYSQL.supports_user_host_grantee()
    }
    fn is_table_factor_alias(&self, explicit: bool, kw: &Keyword, parser: &mut Parser) -> bool {
        MYSQL.is_table_factor_alias(explicit, kw, parser)
    }
    fn supports_table_hints(&self) -> bool {
        MYSQL.supports_table_hints()
    }
    fn requires_single_line_comment_whitespace(&self) -> bool {
        MYSQL.requires_single_line_comment_whitespace()
    }
    fn supports_match_against(&self) -> bool {
        MYSQL.supports_match_against()
    }
    fn supports_select_modifiers(&self) -> bool {
        MYSQL.supports_select_modifiers()
    }
    fn supports_set_names(&self) -> bool {
        MYSQL.supports_set_names()
    }
    fn supports_comma_separated_set_assignments(&self) -> bool {
        MYSQL.supports_comma_separated_set_assignments()
    }
    fn supports_update_order_by(&self) -> bool {
        MYSQL.supports_update_order_by()
    }
    fn supports_data_type_signed_suffix(&self) -> bool {
        MYSQL.supports_data_type_signed_suffix()
    }
    fn supports_cross_join_constraint(&self) -> bool {
        MYSQL.supports_cross_join_constraint()
    }
    fn supports_double_ampersand_operator(&self) -> bool {
        MYSQL.supports_double_ampersand_operator()
    }
    fn supports_binary_kw_as_cast(&self) -> bool {
        MYSQL.supports_binary_kw_as_cast()
    }
    fn supports_comment_optimizer_hint(&self) -> bool {
        MYSQL.supports_comment_optimizer_hint()
    }
    fn supports_constraint_keyword_without_name(&self) -> bool {
        MYSQL.supports_constraint_keyword_without_name()
    }
    fn supports_key_column_option(&self) -> bool {
        MYSQL.supports_key_column_option()
    }
    fn supports_group_by_with_modifier(&self) -> bool {
        MYSQL.supports_group_by_with_modifier()
    }
    fn supports_left_associative_joins_without_parens(&self) -> bool {
        MYSQL.supports_left_associative_joins_without_parens()
    }
}

/// `INTERVAL(n, n1, n2, ...)`: two arguments at least, so that `INTERVAL (1 + 2) DAY`
/// stays an interval literal.
fn interval_call(p: &mut Parser) -> Result<Expr, ParserError> {
    let name = p.expect_keyword(Keyword::INTERVAL)?;
    p.expect_token(&Token::LParen)?;
    let args = p.parse_comma_separated(Parser::parse_expr)?;
    if args.len() < 2 {
        return p.expected("a comma", p.peek_token());
    }
    p.expect_token(&Token::RParen)?;
    Ok(Expr::Function(ast::Function {
        name: ast::ObjectName::from(vec![ast::Ident::with_span(name.span, "INTERVAL")]),
        uses_odbc_syntax: false,
        parameters: ast::FunctionArguments::None,
        args: ast::FunctionArguments::List(ast::FunctionArgumentList {
            duplicate_treatment: None,
            args: args
                .into_iter()
                .map(|e| ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)))
                .collect(),
            clauses: Vec::new(),
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: Vec::new(),
    }))
}

/// `UPDATE t1, t2 SET ...`, MySQL's comma form of a multi-table UPDATE, which sqlparser
/// does not read: the tables after the first are kept as the statement's FROM tables
/// (where sqlparser puts `UPDATE t FROM t2 SET`), joined as a comma join.
fn multi_table_update(p: &mut Parser) -> Result<Statement, ParserError> {
    let token = p.expect_keyword(Keyword::UPDATE)?;
    let table = p.parse_table_and_joins()?;
    p.expect_token(&Token::Comma)?;
    let more = p.parse_comma_separated(Parser::parse_table_and_joins)?;
    p.expect_keyword_is(Keyword::SET)?;
    let assignments = p.parse_comma_separated(Parser::parse_assignment)?;
    let selection = match p.parse_keyword(Keyword::WHERE) {
        true => Some(p.parse_expr()?),
        false => None,
    };
    let order_by = match p.parse_keywords(&[Keyword::ORDER, Keyword::BY]) {
        true => p.parse_comma_separated(Parser::parse_order_by_expr)?,
        false => Vec::new(),
    };
    let limit = match p.parse_keyword(Keyword::LIMIT) {
        true => Some(p.parse_expr()?),
        false => None,
    };
    Ok(Statement::Update(ast::Update {
        update_token: AttachedToken(token),
        optimizer_hints: Vec::new(),
        table,
        assignments,
        from: Some(ast::UpdateTableFromKind::BeforeSet(more)),
        selection,
        returning: None,
        output: None,
        or: None,
        order_by,
        limit,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(sql: &str) -> String {
        Parser::new(&MySql)
            .try_with_sql(sql)
            .and_then(|mut p| p.parse_expr())
            .map(|e| e.to_string())
            .unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn binary_casts_its_operand_only() {
        assert_eq!(
            expr("name LIKE BINARY 'p%' AND id > 3"),
            "name LIKE CAST('p%' AS BINARY) AND id > 3"
        );
        assert_eq!(expr("BINARY a = b"), "CAST(a AS BINARY) = b");
        assert_eq!(expr("BINARY t.c"), "CAST(t.c AS BINARY)");
        assert_eq!(expr("CAST(a AND b AS BINARY)"), "CAST(a AND b AS BINARY)");
        assert_eq!(expr("7 DIV 2"), "7 DIV 2");
    }

    #[test]
    fn charset_is_a_column_option() {
        let sql = "CREATE TABLE t (a TEXT CHARSET latin1 NOT NULL)";
        let parsed = Parser::parse_sql(&MySql, sql).map(|s| s[0].to_string());
        assert_eq!(
            parsed.unwrap_or_else(|e| e.to_string()),
            "CREATE TABLE t (a TEXT CHARACTER SET latin1 NOT NULL)"
        );
    }

    #[test]
    fn interval_with_a_list_is_the_function() {
        assert_eq!(expr("INTERVAL(5, 1, 10)"), "INTERVAL(5, 1, 10)");
        assert_eq!(expr("INTERVAL(5, 1) + 1"), "INTERVAL(5, 1) + 1");
        assert_eq!(expr("d + INTERVAL (1 + 2) DAY"), "d + INTERVAL (1 + 2) DAY");
        assert_eq!(expr("d + INTERVAL 1 DAY"), "d + INTERVAL 1 DAY");
    }

    #[test]
    fn mod_is_the_modulo_operator() {
        assert_eq!(expr("10 MOD 3"), "10 % 3");
        assert_eq!(expr("1 + 10 mod 3 * 2"), "1 + 10 % 3 * 2");
        assert_eq!(expr("MOD(10, 3)"), "MOD(10, 3)");
    }
}
