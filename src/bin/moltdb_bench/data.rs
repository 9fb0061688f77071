//! The deterministic data generator: sysbench's sbtest table, rows derived from (seed, id).
//!
//! Every row is a pure function of the seed and its id, so a table loaded by any number of
//! threads, against any server, holds exactly the same data.

/// The table every workload but `bulk-load` and `create-table` runs against.
pub const TABLE: &str = "sbtest1";

/// `CREATE TABLE` for an sbtest-shaped table (sysbench's oltp_common.lua, MySQL flavour).
pub fn create_table_sql(name: &str) -> String {
    format!(
        "CREATE TABLE {name} (id INT NOT NULL AUTO_INCREMENT, k INT NOT NULL DEFAULT 0, \
         c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', \
         PRIMARY KEY (id), KEY k_1 (k))"
    )
}

/// SplitMix64: tiny, fast and, unlike `rand`'s StdRng, fixed forever, so a seed means the
/// same data in every build of the tool.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        let mut r = Rng(seed ^ 0x5851_F42D_4C95_7F2D);
        r.next_u64();
        r
    }

    /// The generator for one row: independent of which thread loads it.
    pub fn for_row(seed: u64, id: i64) -> Rng {
        Rng::new(
            seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ (id as u64).wrapping_mul(0xD1B5_4A32_D192_ED03),
        )
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi - lo + 1).max(1) as u64;
        lo + (self.next_u64() % span) as i64
    }

    /// sysbench's string shape: `groups` groups of 11 random digits joined by '-'.
    pub fn digits(&mut self, groups: usize) -> String {
        let mut s = String::with_capacity(groups * 12);
        for g in 0..groups {
            if g > 0 {
                s.push('-');
            }
            for _ in 0..11 {
                s.push((b'0' + (self.next_u64() % 10) as u8) as char);
            }
        }
        s
    }

    /// A `c` value: 10 groups, 119 characters.
    pub fn c_value(&mut self) -> String {
        self.digits(10)
    }

    /// A `pad` value: 5 groups, 59 characters.
    pub fn pad_value(&mut self) -> String {
        self.digits(5)
    }
}

/// One sbtest row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: i64,
    pub k: i64,
    pub c: String,
    pub pad: String,
}

/// Row `id` of a table of `table_size` rows: `k` uniform in 1..=table_size as sysbench does.
pub fn row(seed: u64, table_size: i64, id: i64) -> Row {
    let mut rng = Rng::for_row(seed, id);
    let k = rng.range(1, table_size.max(1));
    let c = rng.c_value();
    let pad = rng.pad_value();
    Row { id, k, c, pad }
}

/// A multi-row INSERT of rows `first..first+count` (ids explicit). The strings are digits and
/// dashes only, so they need no escaping.
pub fn insert_batch_sql(table: &str, seed: u64, table_size: i64, first: i64, count: i64) -> String {
    let mut sql = String::with_capacity(64 + count as usize * 200);
    sql.push_str("INSERT INTO ");
    sql.push_str(table);
    sql.push_str(" (id, k, c, pad) VALUES ");
    for id in first..first + count {
        let r = row(seed, table_size, id);
        if id > first {
            sql.push(',');
        }
        sql.push_str(&format!("({},{},'{}','{}')", r.id, r.k, r.c, r.pad));
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_deterministic_and_sysbench_shaped() {
        let a = row(42, 1000, 7);
        assert_eq!(a, row(42, 1000, 7));
        assert_ne!(a, row(43, 1000, 7));
        assert_eq!(a.c.len(), 119);
        assert_eq!(a.pad.len(), 59);
        assert!((1..=1000).contains(&a.k));
        let sql = insert_batch_sql("t", 1, 10, 1, 2);
        assert!(sql.starts_with("INSERT INTO t (id, k, c, pad) VALUES (1,"));
    }
}
