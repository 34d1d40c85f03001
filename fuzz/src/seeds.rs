//! Seed inputs (the golden vectors and the demo's files) and a small
//! deterministic mutator for the stable smoke run.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("fuzz/ is inside the workspace")
        .to_path_buf()
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The frames of a `protocol/vectors/messages/<dir>`, plus every tolerance
/// vector's frame (unknown fields, missing fields, odd ids).
fn frames(dir: &str) -> Vec<Vec<u8>> {
    let messages = root().join("protocol/vectors/messages");
    let mut out: Vec<Vec<u8>> = json_files(&messages.join(dir)).iter().map(|p| read(p)).collect();
    for path in json_files(&messages.join("tolerance")) {
        let vector: serde_json::Value = serde_json::from_slice(&read(&path)).expect("a tolerance vector is JSON");
        out.push(vector["frame"].to_string().into_bytes());
    }
    out
}

/// The seed corpus of the target `name`: what real inputs look like.
pub fn seeds(name: &str) -> Vec<Vec<u8>> {
    let root = root();
    match name {
        "visitor_frame" => frames("visitor-to-server"),
        "operator_frame" => frames("operator-to-server"),
        "server_to_visitor" => frames("server-to-visitor"),
        "server_to_operator" => frames("server-to-operator"),
        "markup" => {
            let vectors: serde_json::Value =
                serde_json::from_slice(&read(&root.join("protocol/vectors/markup.json"))).expect("markup.json");
            let cases = vectors.as_array().expect("markup.json is a list");
            cases
                .iter()
                .filter_map(|c| c["input"].as_str())
                .map(|s| s.as_bytes().to_vec())
                .collect()
        }
        "config_file" => {
            // The demo's file and the commented example in config.rs's docs.
            let docs = String::from_utf8(read(&root.join("reference-server/src/config.rs"))).expect("UTF-8");
            let example: String = docs
                .lines()
                .map_while(|l| l.strip_prefix("//!"))
                .skip_while(|l| !l.contains("```toml"))
                .skip(1)
                .take_while(|l| !l.contains("```"))
                .map(|l| format!("{}\n", l.strip_prefix(' ').unwrap_or(l)))
                .collect();
            vec![read(&root.join("demo/baton.toml")), example.into_bytes()]
        }
        "knowledge_file" => vec![
            read(&root.join("demo/knowledge.toml")),
            read(&root.join("demo/help-knowledge.toml")),
        ],
        other => panic!("no target named {other}"),
    }
}

/// Byte strings that matter to JSON, TOML and the markup: spliced in more
/// often than random bytes would find them.
const TOKENS: &[&[u8]] = &[
    b"\"",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b",",
    b"\\",
    b"\\u",
    b"\\ud800",
    b"\\u0000",
    b"null",
    b"true",
    b"-1",
    b"1e999",
    b"0.5",
    b"18446744073709551616",
    b"4294967296",
    b"\"type\"",
    b"\n",
    b"=",
    b"[[",
    b"]]",
    b"'''",
    b"\"\"\"",
    b"*",
    b"_",
    b"`",
    b"](",
    b")",
    b"- ",
    b"1. ",
    b"999999999. ",
    b"https://",
    b"mailto:",
    b"\xF0\x9F\x98",
    b"\xC3",
    b"\t",
    b"#",
];

/// A seeded xorshift PRNG with the mutations the smoke run applies: byte
/// flips, token insertions, deletions, duplications, truncations and splices
/// with another seed. The same seed gives the same inputs on every machine.
#[derive(Debug)]
pub struct Mutator(u64);

impl Mutator {
    pub fn new(seed: u64) -> Mutator {
        Mutator(seed | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }

    /// `input` changed by one to four mutations; `others` to splice from.
    pub fn mutate(&mut self, input: &[u8], others: &[Vec<u8>]) -> Vec<u8> {
        let mut out = input.to_vec();
        for _ in 0..=self.below(4) {
            let at = self.below(out.len() + 1);
            match self.below(7) {
                0 if !out.is_empty() => {
                    let i = self.below(out.len());
                    out[i] ^= 1 << self.below(8);
                }
                1 if !out.is_empty() => {
                    let i = self.below(out.len());
                    out[i] = self.next() as u8;
                }
                2 => {
                    let token = TOKENS[self.below(TOKENS.len())];
                    out.splice(at..at, token.iter().copied());
                }
                3 => {
                    let end = (at + 1 + self.below(16)).min(out.len());
                    out.drain(at.min(end)..end);
                }
                4 => {
                    let end = (at + 1 + self.below(32)).min(out.len());
                    let copy = out[at.min(end)..end].to_vec();
                    out.splice(at..at, copy);
                }
                5 => out.truncate(at),
                _ if !others.is_empty() => {
                    let other = &others[self.below(others.len())];
                    let from = self.below(other.len() + 1);
                    out.truncate(at);
                    out.extend_from_slice(&other[from..]);
                }
                _ => {}
            }
        }
        out
    }
}
