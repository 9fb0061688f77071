//! GROUP BY and aggregate functions: COUNT, SUM, AVG, MIN, MAX, GROUP_CONCAT, the standard
//! deviations and variances, BIT_AND / BIT_OR / BIT_XOR (and the ANY_VALUE the planner adds
//! for non-grouped columns), with MySQL's result types.
//!
//! A grouped query is planned in two layers. Its expressions are first bound over the FROM
//! row, with each aggregate call collected into [`AggCall`]s and left as an
//! [`Expr::AggRef`]; [`Grouping::rewrite`] then turns them into expressions over the
//! *aggregated row*: the group key values, then one value per aggregate.

use std::collections::{HashMap, HashSet};

use super::expr::{arithmetic, bits_of, BinOp, Expr};
use super::subquery::Env;
use crate::error::{Error, Result};
use crate::sql::execution::row_key::RowKey;
use crate::sql::execution::select::compare_keys;
use crate::sql::functions::warn;
use crate::sql::planner::rewrite::Step;
use crate::types::collation::Fold;
use crate::types::{DataType, Decimal, IntKind, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggFunc {
    Count,
    Sum,
    Avg,
    Min,
    Max,
    GroupConcat,
    /// The value of the group's first row: non-grouped columns of a grouped query.
    AnyValue,
    /// GROUPING(key, ...) WITH ROLLUP: a bit per argument, 1 where the row rolled that key
    /// up (its NULL is a super-aggregate's, not the data's).
    Grouping,
    /// STD, STDDEV, STDDEV_POP (`sample: false`) and STDDEV_SAMP.
    StdDev {
        sample: bool,
    },
    /// VARIANCE, VAR_POP (`sample: false`) and VAR_SAMP.
    Variance {
        sample: bool,
    },
    BitAnd,
    BitOr,
    BitXor,
    /// JSON_ARRAYAGG(v): a JSON array of the values (NULL as null).
    JsonArrayAgg,
    /// JSON_OBJECTAGG(k, v): a JSON object (a key seen twice keeps its last value).
    JsonObjectAgg,
}

impl AggFunc {
    pub fn lookup(name: &str) -> Option<AggFunc> {
        Some(match name {
            "count" => AggFunc::Count,
            "sum" => AggFunc::Sum,
            "avg" => AggFunc::Avg,
            "min" => AggFunc::Min,
            "max" => AggFunc::Max,
            "group_concat" => AggFunc::GroupConcat,
            "any_value" => AggFunc::AnyValue,
            "grouping" => AggFunc::Grouping,
            "std" | "stddev" | "stddev_pop" => AggFunc::StdDev { sample: false },
            "stddev_samp" => AggFunc::StdDev { sample: true },
            "variance" | "var_pop" => AggFunc::Variance { sample: false },
            "var_samp" => AggFunc::Variance { sample: true },
            "bit_and" => AggFunc::BitAnd,
            "bit_or" => AggFunc::BitOr,
            "bit_xor" => AggFunc::BitXor,
            "json_arrayagg" => AggFunc::JsonArrayAgg,
            "json_objectagg" => AggFunc::JsonObjectAgg,
            _ => return None,
        })
    }
}

/// One aggregate call of a query; `args` are bound over the FROM row. COUNT(*) has none.
#[derive(Debug, Clone, PartialEq)]
pub struct AggCall {
    pub func: AggFunc,
    pub args: Vec<Expr>,
    pub distinct: bool,
    /// GROUP_CONCAT's clauses; `None` for the other aggregates.
    pub concat: Option<ConcatOptions>,
}

/// What GROUP_CONCAT takes besides its values: `ORDER BY` keys (bound over the FROM row,
/// with `true` for DESC), `SEPARATOR` (a comma by default) and the session's
/// `group_concat_max_len` when the query was planned, past which the result is cut.
#[derive(Debug, Clone, PartialEq)]
pub struct ConcatOptions {
    pub order: Vec<(Expr, bool)>,
    pub separator: Vec<u8>,
    pub max_len: usize,
}

impl Default for ConcatOptions {
    fn default() -> Self {
        ConcatOptions {
            order: Vec::new(),
            separator: b",".to_vec(),
            max_len: 1024,
        }
    }
}

fn bigint() -> DataType {
    DataType::Int {
        kind: IntKind::Big,
        unsigned: false,
    }
}

impl AggCall {
    /// MySQL's result types: SUM of exact numbers is DECIMAL, AVG adds 4 to the scale
    /// (div_precision_increment), both are DOUBLE over approximate numbers and strings.
    pub fn result_type(&self) -> Option<DataType> {
        let arg = self.args.first().and_then(|a| a.data_type());
        match self.func {
            AggFunc::Count | AggFunc::Grouping => Some(bigint()),
            AggFunc::Sum | AggFunc::Avg => {
                let extra = if self.func == AggFunc::Avg { 4 } else { 0 };
                Some(match arg {
                    Some(DataType::Int { .. }) => DataType::Decimal {
                        precision: 65,
                        scale: extra,
                    },
                    Some(DataType::Decimal { scale, .. }) => DataType::Decimal {
                        precision: 65,
                        scale: (scale + extra).min(30),
                    },
                    _ => DataType::Double,
                })
            }
            AggFunc::GroupConcat => Some(DataType::text(65_535)),
            AggFunc::Min | AggFunc::Max | AggFunc::AnyValue => arg,
            AggFunc::StdDev { .. } | AggFunc::Variance { .. } => Some(DataType::Double),
            AggFunc::BitAnd | AggFunc::BitOr | AggFunc::BitXor => Some(DataType::Int {
                kind: IntKind::Big,
                unsigned: true,
            }),
            AggFunc::JsonArrayAgg | AggFunc::JsonObjectAgg => Some(DataType::Json),
        }
    }

    /// How many arguments the aggregate takes (COUNT and GROUP_CONCAT: several).
    pub fn arity_ok(&self) -> bool {
        match self.func {
            AggFunc::Count => !self.args.is_empty() || !self.distinct,
            AggFunc::GroupConcat => !self.args.is_empty(),
            AggFunc::Grouping => !self.args.is_empty() && !self.distinct,
            AggFunc::JsonObjectAgg => self.args.len() == 2,
            _ => self.args.len() == 1,
        }
    }

    /// The JSON aggregates take their values as JSON (see `functions::json::coerce`).
    pub fn coerce_json_values(&mut self) {
        let value = match self.func {
            AggFunc::JsonArrayAgg => 0,
            AggFunc::JsonObjectAgg => 1,
            _ => return,
        };
        if let Some(v) = self.args.get_mut(value) {
            let e = std::mem::replace(v, Expr::Literal(Value::Null));
            *v = crate::sql::functions::json::as_json(e);
        }
    }

    fn scale(&self) -> Option<u8> {
        match self.result_type() {
            Some(DataType::Decimal { scale, .. }) => Some(scale),
            _ => None,
        }
    }
}

/// The running state of one aggregate in one group (or one window frame).
#[derive(Debug, Clone)]
pub(crate) struct Acc {
    count: i64,
    value: Value,
    seen: Option<HashSet<RowKey>>,
    /// GROUP_CONCAT: each row's ORDER BY key values and its text.
    texts: Vec<(Vec<Value>, Vec<u8>)>,
    /// The deviations and variances: the running mean and sum of squared differences
    /// (Welford's method, stable where sums of squares lose digits).
    mean: f64,
    m2: f64,
    /// BIT_AND / BIT_OR / BIT_XOR so far.
    bits: u64,
    /// Per argument, the case-insensitive collation DISTINCT, MIN and MAX compare it by.
    folds: Vec<Option<Fold>>,
}

impl Acc {
    pub(crate) fn new(call: &AggCall) -> Acc {
        Acc {
            count: 0,
            value: Value::Null,
            seen: call.distinct.then(HashSet::new),
            texts: Vec::new(),
            mean: 0.0,
            m2: 0.0,
            bits: if call.func == AggFunc::BitAnd {
                u64::MAX
            } else {
                0
            },
            // Only DISTINCT, MIN and MAX compare values (an empty list: byte by byte).
            folds: match call.distinct || matches!(call.func, AggFunc::Min | AggFunc::Max) {
                true => call.args.iter().map(Expr::fold).collect(),
                false => Vec::new(),
            },
        }
    }

    /// Adds one row: `args` are the call's argument values, then (GROUP_CONCAT) its ORDER BY
    /// key values.
    pub(crate) fn add(&mut self, call: &AggCall, mut args: Vec<Value>) -> Result<()> {
        let keys = args.split_off(call.args.len().min(args.len()));
        if call.func == AggFunc::Grouping {
            // Its value depends on the row's rollup level alone (see `finish_group`).
            return Ok(());
        }
        if matches!(call.func, AggFunc::JsonArrayAgg | AggFunc::JsonObjectAgg) {
            return self.add_json(call, args);
        }
        if call.func == AggFunc::AnyValue {
            if self.count == 0 {
                self.value = args.into_iter().next().unwrap_or(Value::Null);
            }
            self.count += 1;
            return Ok(());
        }
        // Aggregates skip rows where an argument is NULL (COUNT(*) has no arguments).
        if args.iter().any(Value::is_null) {
            return Ok(());
        }
        if let Some(seen) = &mut self.seen {
            if !seen.insert(RowKey::collated(&args, &self.folds)) {
                return Ok(());
            }
        }
        self.count += 1;
        if call.func == AggFunc::GroupConcat {
            let text = args.iter().flat_map(|v| v.to_text().unwrap_or_default());
            self.texts.push((keys, text.collect()));
            return Ok(());
        }
        let Some(v) = args.into_iter().next() else {
            return Ok(());
        };
        match call.func {
            AggFunc::Count
            | AggFunc::AnyValue
            | AggFunc::Grouping
            | AggFunc::JsonArrayAgg
            | AggFunc::JsonObjectAgg => {}
            AggFunc::Sum | AggFunc::Avg => {
                let v = if call.scale().is_none() {
                    Value::Float(v.to_f64())
                } else if let Value::Decimal(_) = v {
                    v
                } else {
                    Value::from(v.to_decimal())
                };
                self.value = if self.value.is_null() {
                    v
                } else {
                    arithmetic(BinOp::Add, &self.value, &v)?
                };
            }
            AggFunc::Min | AggFunc::Max => {
                let better = self.value.is_null() || {
                    let o = match self.folds.first().copied().flatten() {
                        Some(f) => f.key(v.clone()).sql_cmp(&f.key(self.value.clone())),
                        None => v.sql_cmp(&self.value),
                    };
                    if call.func == AggFunc::Min {
                        o.is_lt()
                    } else {
                        o.is_gt()
                    }
                };
                if better {
                    self.value = v;
                }
            }
            AggFunc::GroupConcat => {}
            AggFunc::StdDev { .. } | AggFunc::Variance { .. } => {
                let x = v.to_f64();
                let delta = x - self.mean;
                self.mean += delta / self.count as f64;
                self.m2 += delta * (x - self.mean);
            }
            AggFunc::BitAnd | AggFunc::BitOr | AggFunc::BitXor => {
                let b = bits_of(&v);
                self.bits = match call.func {
                    AggFunc::BitAnd => self.bits & b,
                    AggFunc::BitOr => self.bits | b,
                    _ => self.bits ^ b,
                };
            }
        }
        Ok(())
    }

    /// JSON_ARRAYAGG / JSON_OBJECTAGG keep each row's value text (and key): NULL values are
    /// part of the result, a NULL key is 3158.
    fn add_json(&mut self, call: &AggCall, mut args: Vec<Value>) -> Result<()> {
        let value = match args.pop().unwrap_or(Value::Null) {
            Value::Null => b"null".to_vec(),
            v => v.to_text().unwrap_or_default(),
        };
        let key = match call.func {
            AggFunc::JsonObjectAgg => match args.pop() {
                None | Some(Value::Null) => {
                    return Err(Error::new(
                        3158,
                        "22032",
                        "JSON documents may not contain NULL member names.",
                    ))
                }
                Some(k) => vec![k],
            },
            _ => Vec::new(),
        };
        self.count += 1;
        self.texts.push((key, value));
        Ok(())
    }

    /// The JSON document JSON_ARRAYAGG / JSON_OBJECTAGG built; NULL over no rows.
    fn finish_json(self, call: &AggCall) -> Value {
        use crate::types::json::{self, Json};
        if self.texts.is_empty() {
            return Value::Null;
        }
        let parse = |text: &[u8]| json::parse(text).unwrap_or(Json::Null);
        let doc = match call.func {
            AggFunc::JsonObjectAgg => Json::Object(
                self.texts
                    .iter()
                    .map(|(key, text)| {
                        let k = key.first().map(Value::to_string_lossy).unwrap_or_default();
                        (k, parse(text))
                    })
                    .collect(),
            ),
            _ => Json::Array(self.texts.iter().map(|(_, text)| parse(text)).collect()),
        };
        Value::Bytes(json::to_text(&doc).into_bytes())
    }

    /// The aggregate's value; `concat_rows` counts the values GROUP_CONCAT has joined so far
    /// in this statement (its warning numbers rows across groups, as MySQL's does).
    pub(crate) fn finish(self, call: &AggCall, concat_rows: &mut u64) -> Value {
        match call.func {
            AggFunc::Count => Value::Int(self.count),
            AggFunc::Grouping => Value::Int(0),
            AggFunc::Sum => match (self.value, call.scale()) {
                (Value::Decimal(d), Some(s)) => Value::from(d.rescale(s)),
                (v, _) => v,
            },
            AggFunc::Avg => match (self.value, call.scale()) {
                (Value::Null, _) => Value::Null,
                (Value::Decimal(d), Some(s)) => d
                    .checked_div_to_scale(&Decimal::from(self.count), s)
                    .map_or(Value::Null, Value::from),
                (v, _) => Value::Float(v.to_f64() / self.count as f64),
            },
            AggFunc::GroupConcat if self.texts.is_empty() => Value::Null,
            AggFunc::GroupConcat => {
                let default = ConcatOptions::default();
                let opts = call.concat.as_ref().unwrap_or(&default);
                Value::Bytes(concat_texts(self.texts, opts, concat_rows))
            }
            AggFunc::Min | AggFunc::Max | AggFunc::AnyValue => self.value,
            AggFunc::StdDev { sample } | AggFunc::Variance { sample } => {
                let n = self.count as f64 - if sample { 1.0 } else { 0.0 };
                if self.count == 0 || n <= 0.0 {
                    return Value::Null;
                }
                let variance = self.m2 / n;
                match call.func {
                    AggFunc::StdDev { .. } => Value::Float(variance.sqrt()),
                    _ => Value::Float(variance),
                }
            }
            AggFunc::BitAnd | AggFunc::BitOr | AggFunc::BitXor => Value::UInt(self.bits),
            AggFunc::JsonArrayAgg | AggFunc::JsonObjectAgg => self.finish_json(call),
        }
    }
}

/// GROUP_CONCAT's result: the texts in ORDER BY order (a stable sort, so ties keep the
/// order rows came in), joined by the separator and cut to `max_len` bytes at a character
/// boundary with warning 1260, which names the row that did not fit as MySQL does.
fn concat_texts(
    mut texts: Vec<(Vec<Value>, Vec<u8>)>,
    opts: &ConcatOptions,
    rows: &mut u64,
) -> Vec<u8> {
    if !opts.order.is_empty() {
        let desc: Vec<bool> = opts.order.iter().map(|(_, d)| *d).collect();
        texts.sort_by(|(a, _), (b, _)| compare_keys(a, b, &desc));
    }
    let mut out = Vec::new();
    for (i, (_, text)) in texts.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(&opts.separator);
        }
        out.extend_from_slice(text);
        *rows = rows.saturating_add(1);
        if out.len() > opts.max_len {
            out.truncate(char_boundary(&out, opts.max_len));
            warn(Error::new(
                1260,
                "HY000",
                format!("Row {rows} was cut by GROUP_CONCAT()"),
            ));
            break;
        }
    }
    out
}

/// The largest length at most `len` that does not split a UTF-8 character of `bytes`.
fn char_boundary(bytes: &[u8], len: usize) -> usize {
    let mut end = len.min(bytes.len());
    // A UTF-8 continuation byte (10xxxxxx) cannot start a character.
    while end > 0 && end < bytes.len() && bytes[end] & 0xC0 == 0x80 {
        end -= 1;
    }
    end
}

/// The GROUP BY keys and aggregate calls of a query, both over the FROM row.
#[derive(Debug, Clone, Default)]
pub struct Grouping {
    pub keys: Vec<Expr>,
    pub calls: Vec<AggCall>,
    /// GROUP BY ... WITH ROLLUP: also aggregate every prefix of the keys.
    pub rollup: bool,
}

impl Grouping {
    /// Turns an expression over the FROM row (with `AggRef`s) into one over the aggregated
    /// row. A subexpression equal to a group key becomes that key's column; an `AggRef` its
    /// aggregate's column; anything else that reads the row and holds neither an aggregate
    /// nor a key is taken from the group's first row (MySQL without ONLY_FULL_GROUP_BY).
    pub fn rewrite(&mut self, e: Expr) -> Result<Expr> {
        let mut step = |e: Expr| -> Result<Step> {
            if let Some(k) = self.keys.iter().position(|key| *key == e) {
                let ty = e.data_type().unwrap_or(DataType::Double);
                return Ok(Step::Replace(Expr::Column(k, ty)));
            }
            if let Expr::AggRef(j, ty) = &e {
                let ty = ty.clone().unwrap_or(DataType::Double);
                return Ok(Step::Replace(Expr::Column(self.keys.len() + j, ty)));
            }
            // An expression over a group key reads the key itself (NULL in a rollup row),
            // not the group's first row.
            // A window call's value is computed after grouping, over the aggregated row.
            let has_key = e.any(&|x| self.keys.contains(x));
            if has_key || e.has_aggregate() || e.has_window() || e.is_constant() || !reads_row(&e) {
                return Ok(Step::Descend(e));
            }
            let call = AggCall {
                func: AggFunc::AnyValue,
                args: vec![e],
                distinct: false,
                concat: None,
            };
            let ty = call.result_type().unwrap_or(DataType::Double);
            let j = match self.calls.iter().position(|c| *c == call) {
                Some(j) => j,
                None => {
                    self.calls.push(call);
                    self.calls.len() - 1
                }
            };
            Ok(Step::Replace(Expr::Column(self.keys.len() + j, ty)))
        };
        e.rewrite(&mut step)
    }

    /// Starts grouping FROM rows, added one at a time, into aggregated rows: keys, then
    /// aggregate values. Only the groups are held, never the rows, so a scan can be
    /// aggregated while it is read (`COUNT(*)` over any table in constant memory).
    pub fn start(&self) -> Folding<'_> {
        let n = self.keys.len();
        // One table of groups per key prefix length aggregated: all keys, then (WITH
        // ROLLUP) each shorter prefix down to the grand total.
        let lengths: Vec<usize> = if self.rollup {
            (0..=n).rev().collect()
        } else {
            vec![n]
        };
        let mut tables: Vec<Groups> = lengths.iter().map(|_| Groups::default()).collect();
        if n == 0 {
            tables[0].entry(vec![], &self.calls);
        }
        Folding {
            grouping: self,
            lengths,
            tables,
        }
    }

    /// Each call's argument values for one FROM row, GROUP_CONCAT's ORDER BY keys after its
    /// arguments.
    fn call_args(&self, row: &[Value], env: &Env) -> Result<Vec<Vec<Value>>> {
        self.calls
            .iter()
            .map(|call| {
                let order = call
                    .concat
                    .iter()
                    .flat_map(|c| c.order.iter().map(|(e, _)| e));
                call.args
                    .iter()
                    .chain(order)
                    .map(|a| a.eval_in(row, env))
                    .collect::<Result<Vec<_>>>()
            })
            .collect()
    }

    /// An aggregated row: the group's key values, NULL for the keys a rollup row rolled
    /// up, then the aggregate values.
    /// `len` is how many keys the group has (fewer in a rollup row).
    fn finish_group(
        &self,
        mut key: Vec<Value>,
        accs: Vec<Acc>,
        len: usize,
        concat_rows: &mut [u64],
    ) -> Vec<Value> {
        key.resize(self.keys.len(), Value::Null);
        let values = accs
            .into_iter()
            .zip(&self.calls)
            .zip(concat_rows.iter_mut());
        key.extend(values.map(|((a, c), rows)| match c.func {
            AggFunc::Grouping => Value::Int(self.grouping_bits(c, len)),
            _ => a.finish(c, rows),
        }));
        key
    }

    /// GROUPING(a, b, ...) in a row of `len` keys: bit 1 for each argument rolled up.
    fn grouping_bits(&self, call: &AggCall, len: usize) -> i64 {
        call.args.iter().fold(0i64, |bits, arg| {
            let rolled = self
                .keys
                .iter()
                .position(|k| k == arg)
                .is_none_or(|i| i >= len);
            (bits << 1) | i64::from(rolled)
        })
    }

    /// MySQL's checks on GROUPING(): only WITH ROLLUP (1111), and only over GROUP BY keys
    /// (3580), at most 64 of them.
    pub fn check_grouping_calls(&self) -> Result<()> {
        for call in self.calls.iter().filter(|c| c.func == AggFunc::Grouping) {
            if !self.rollup || call.args.len() > 64 {
                return Err(misplaced());
            }
            if let Some(i) = call.args.iter().position(|a| !self.keys.contains(a)) {
                return Err(Error::new(
                    3580,
                    "HY000",
                    format!(
                        "Argument #{} of GROUPING function is not in GROUP BY",
                        i + 1
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// FROM rows being grouped (from [`Grouping::start`]).
pub struct Folding<'g> {
    grouping: &'g Grouping,
    /// The key prefix length each table of groups aggregates.
    lengths: Vec<usize>,
    tables: Vec<Groups>,
}

impl Folding<'_> {
    /// Adds one FROM row to its group(s).
    pub fn add(&mut self, row: &[Value], env: &Env) -> Result<()> {
        let g = self.grouping;
        let key: Vec<Value> = g
            .keys
            .iter()
            .map(|k| k.eval_in(row, env))
            .collect::<Result<_>>()?;
        let args = g.call_args(row, env)?;
        for (table, &len) in self.tables.iter_mut().zip(&self.lengths) {
            let accs = table.entry(key[..len].to_vec(), &g.calls);
            for ((call, acc), args) in g.calls.iter().zip(accs.iter_mut()).zip(&args) {
                acc.add(call, args.clone())?;
            }
        }
        Ok(())
    }

    /// The aggregated rows. Without GROUP BY an empty input still makes one row (COUNT 0,
    /// the others NULL). WITH ROLLUP adds the super-aggregate rows (see `rollup_rows`).
    pub fn finish(self) -> Vec<Vec<Value>> {
        let g = self.grouping;
        let mut concat_rows = vec![0u64; g.calls.len()];
        let mut finished = self
            .tables
            .into_iter()
            .zip(&self.lengths)
            .map(|(table, &len)| {
                table
                    .list
                    .into_iter()
                    .map(|(key, accs)| g.finish_group(key, accs, len, &mut concat_rows))
                    .collect::<Vec<_>>()
            });
        let detail = finished.next().unwrap_or_default();
        if !g.rollup {
            return detail;
        }
        rollup_rows(detail, finished.collect(), g.keys.len())
    }
}

/// The groups of one key prefix, in the order they were first seen.
#[derive(Default)]
struct Groups {
    index: HashMap<RowKey, usize>,
    list: Vec<(Vec<Value>, Vec<Acc>)>,
}

impl Groups {
    fn entry(&mut self, key: Vec<Value>, calls: &[AggCall]) -> &mut Vec<Acc> {
        let list = &mut self.list;
        let g = *self.index.entry(RowKey(key.clone())).or_insert_with(|| {
            list.push((key, calls.iter().map(Acc::new).collect()));
            list.len() - 1
        });
        &mut list[g].1
    }
}

/// WITH ROLLUP's output: the groups sorted by their keys (NULLs first, as MySQL's rollup
/// sorts), each run of groups sharing a key prefix followed by the super-aggregate row of
/// that prefix, the grand total last. `detail` are the groups of all `n` keys; `levels`
/// the aggregated rows of the prefixes of length n-1 down to 0 (rolled-up keys NULL).
fn rollup_rows(
    mut detail: Vec<Vec<Value>>,
    levels: Vec<Vec<Vec<Value>>>,
    n: usize,
) -> Vec<Vec<Value>> {
    let asc = vec![false; n];
    detail.sort_by(|a, b| compare_keys(&a[..n], &b[..n], &asc));
    // Super-aggregate rows by prefix length, then by the prefix's values.
    let mut by_prefix: Vec<HashMap<RowKey, Vec<Value>>> = vec![HashMap::new(); n];
    for (level, len) in levels.into_iter().zip((0..n).rev()) {
        for row in level {
            by_prefix[len].insert(RowKey(row[..len].to_vec()), row);
        }
    }
    let mut out = Vec::with_capacity(detail.len() * 2);
    for i in 0..detail.len() {
        let next = detail.get(i + 1).map(|r| RowKey(r[..n].to_vec()));
        let cur = &detail[i];
        // The prefixes this group ends, longest first: a shorter one ends only when a
        // longer one does.
        let mut ended = Vec::new();
        for len in (0..n).rev() {
            let prefix = RowKey(cur[..len].to_vec());
            let same = next
                .as_ref()
                .is_some_and(|nk| RowKey(nk.0[..len].to_vec()) == prefix);
            if same {
                break;
            }
            if let Some(row) = by_prefix[len].remove(&prefix) {
                ended.push(row);
            }
        }
        out.push(detail[i].clone());
        out.extend(ended);
    }
    out
}

/// True if the expression depends on the FROM row (a column, or a subquery that may
/// correlate with it).
fn reads_row(e: &Expr) -> bool {
    e.any(&|x| matches!(x, Expr::Column(..) | Expr::Subquery(_)))
}

/// MySQL's error for an aggregate where none may stand (WHERE, GROUP BY, nested).
pub fn misplaced() -> Error {
    Error::new(1111, "HY000", "Invalid use of group function")
}
