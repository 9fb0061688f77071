//! The architecture, checked: every top-level module of `src/` may use only the modules
//! below it in `LAYERS`, and none of the edges in `NEVER`. A `use crate::x` pointing up (or
//! at a module missing from the list) fails this test with the offending file and line.
//!
//! `cargo test --test layering -- --nocapture` prints the import graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top to bottom: data flows down, from the connection to the bytes on disk.
const LAYERS: &[(&str, &str)] = &[
    (
        "node",
        "threads of a node and the cluster of nodes in one process",
    ),
    (
        "server",
        "MySQL wire protocol: packets, handshake, commands",
    ),
    (
        "session",
        "one connection's state: database, variables, transaction",
    ),
    ("sql", "parse, bind, plan and execute statements"),
    (
        "ddl",
        "online schema change jobs: queue, owner, steps, backfill",
    ),
    (
        "import",
        "IMPORT INTO: read files, encode rows, sort, ingest",
    ),
    (
        "dxf",
        "backend tasks: dispatcher, scheduler, subtasks, resource pool",
    ),
    (
        "domain",
        "a node's shared state: store, schema cache, variables, sessions",
    ),
    ("privilege", "accounts, grants and the checks on them"),
    (
        "table",
        "rows and index entries as each schema state requires",
    ),
    ("catalog", "schema model, persisted schema, schema cache"),
    ("codec", "memcomparable keys and compact rows"),
    ("kv", "transactional multi-version store over fjall or sled"),
    ("types", "SQL values and data types"),
    ("background", "the low CPU priority of backend threads"),
    (
        "error",
        "the crate's error and its MySQL code, SQLSTATE and text",
    ),
];

/// Edges the order alone would allow but the design does not: statements speak values and
/// ranges to `table`, which alone encodes keys.
const NEVER: &[(&str, &str)] = &[
    ("sql", "codec"),
    ("session", "codec"),
    ("server", "codec"),
    // The framework runs tasks of any type: what a task reads or writes is its type's.
    ("dxf", "table"),
    ("dxf", "codec"),
];

/// The top-level modules each `crate::` path in `source` names, with the line it is on.
/// Understands `crate::a::b` and groups such as `crate::{a::{B, C}, b}`.
fn crate_imports(source: &str) -> Vec<(String, usize)> {
    let mut found = Vec::new();
    for (n, line) in source.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            if let Some(group) = after.strip_prefix('{') {
                let mut depth = 0;
                let mut item = String::new();
                let mut items = Vec::new();
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => items.push(std::mem::take(&mut item)),
                        _ => {}
                    }
                    if depth == 0 && c != ',' && c != '}' {
                        item.push(c);
                    }
                }
                items.push(item);
                for it in items {
                    let name: String = it
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        found.push((name, n + 1));
                    }
                }
            } else {
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                found.push((name, n + 1));
            }
            rest = after;
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_module_imports_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let rank: BTreeMap<&str, usize> = LAYERS
        .iter()
        .enumerate()
        .map(|(i, (m, _))| (*m, i))
        .collect();
    let mut graph: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut violations = Vec::new();
    let mut checked = 0;
    for (module, _) in LAYERS {
        let mut files = Vec::new();
        rust_files(&src.join(module), &mut files);
        let single = src.join(format!("{module}.rs"));
        if single.exists() {
            files.push(single);
        }
        assert!(
            !files.is_empty(),
            "module {module} has no source under src/"
        );
        for file in files {
            checked += 1;
            let text = std::fs::read_to_string(&file).expect("read source");
            for (target, line) in crate_imports(&text) {
                if target == *module {
                    continue;
                }
                graph.entry(module).or_default().insert(target.clone());
                let allowed = rank.get(target.as_str()).is_some_and(|&t| t > rank[module])
                    && !NEVER.contains(&(*module, target.as_str()));
                if !allowed {
                    violations.push(format!(
                        "{}:{line}: {module} uses crate::{target}",
                        file.strip_prefix(&src).unwrap_or(&file).display()
                    ));
                }
            }
        }
    }
    // Every top-level module must have its place in the list.
    let listed: BTreeSet<&str> = LAYERS.iter().map(|(m, _)| *m).collect();
    for e in std::fs::read_dir(&src).expect("src/").flatten() {
        let name = e
            .file_name()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if !["lib", "main", "bin"].contains(&name.as_str()) && !listed.contains(name.as_str()) {
            violations.push(format!("src/{name} is not placed in LAYERS"));
        }
    }
    for (module, what) in LAYERS {
        let deps: Vec<_> = graph.get(module).into_iter().flatten().cloned().collect();
        println!("{module:8} -> {:50} {what}", deps.join(" "));
    }
    assert!(checked > 50, "only {checked} files found under src/");
    assert!(
        violations.is_empty(),
        "imports against the layering:\n{}",
        violations.join("\n")
    );
}

#[test]
fn import_parsing_sees_groups_and_paths() {
    let found = crate_imports(
        "use crate::{catalog::{A, B}, kv};\nlet x = crate::sql::parse(s); // crate::node\n",
    );
    let names: Vec<_> = found.iter().map(|(n, l)| format!("{n}@{l}")).collect();
    assert_eq!(names, ["catalog@1", "kv@1", "sql@2"]);
}

#[test]
fn planning_never_reaches_into_execution() {
    let planner = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sql/planner");
    let mut files = Vec::new();
    rust_files(&planner, &mut files);
    assert!(!files.is_empty(), "no planner sources");
    let mut violations = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read source");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if code.contains("execution::") {
                violations.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "the planner uses execution:\n{}",
        violations.join("\n")
    );
}
