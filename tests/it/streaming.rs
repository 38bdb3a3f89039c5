//! The streamed import (`inspect`, `whoami` and `extract` read a capture entry by entry and
//! skip the bodies no Odoo call has) gives the same bytes as reading the captures whole, as
//! every command did before: on every fixture, alone and together, and with the flags that
//! list more.

use clap::Parser;

use odoo_har::capture::LoadOptions;
use odoo_har::cli::{Cli, Command};
use odoo_har::commands::{inspect, whoami};
use odoo_har::template::extract::Options;
use odoo_har::template::load::{self, Loaded};
use odoo_har::template::suite::{MANIFEST, SuiteFile, SuiteWriter};

use crate::common::TempDir;

/// Every capture among the fixtures and the inputs real exports damage in ways that are read.
fn captures() -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir("fixtures")
        .unwrap()
        .flatten()
        .map(|e| e.path().display().to_string())
        .filter(|p| p.ends_with(".har") || p.ends_with(".sh") || p.ends_with(".js"))
        .collect();
    found.extend(
        [
            "bom",
            "crlf",
            "method-missing",
            "huge-size-claim",
            "body-not-json",
        ]
        .map(|name| format!("tests/bad-inputs/{name}.har")),
    );
    found.sort();
    found
}

/// The inputs each comparison runs on: each capture alone, then all of them at once.
fn inputs() -> Vec<Vec<String>> {
    let all = captures();
    let mut inputs: Vec<Vec<String>> = all.iter().map(|c| vec![c.clone()]).collect();
    inputs.push(all);
    inputs
}

fn command(words: &[&str], files: &[String]) -> Command {
    let mut args: Vec<String> = std::iter::once("odoo-har")
        .chain(words.iter().copied())
        .map(str::to_string)
        .collect();
    args.extend(files.iter().cloned());
    Cli::parse_from(args).command
}

fn whole(files: &[String]) -> Loaded {
    Loaded::read(files, &LoadOptions::default()).unwrap()
}

#[test]
fn inspect_prints_the_same_bytes_streamed_as_read_whole() {
    for files in inputs() {
        for flags in [
            &["inspect"][..],
            &["inspect", "--json"],
            &["inspect", "--all"],
            &["inspect", "--json", "--all"],
            &["inspect", "--json", "--errors"],
            &["inspect", "--model", "res.*"],
        ] {
            let Command::Inspect(args) = command(flags, &files) else {
                unreachable!()
            };
            let mut streamed = Vec::new();
            inspect::run(&args, &mut streamed).unwrap();
            let mut reference = Vec::new();
            inspect::write_loaded(&mut reference, &args, &whole(&files)).unwrap();
            assert!(
                streamed == reference,
                "{flags:?} {files:?}:\n{}\n---\n{}",
                String::from_utf8_lossy(&streamed),
                String::from_utf8_lossy(&reference)
            );
        }
    }
}

#[test]
fn whoami_prints_the_same_bytes_streamed_as_read_whole() {
    for files in inputs() {
        for json in [false, true] {
            let flags: &[&str] = if json {
                &["whoami", "--json"]
            } else {
                &["whoami"]
            };
            let Command::Whoami(args) = command(flags, &files) else {
                unreachable!()
            };
            let mut streamed = Vec::new();
            whoami::run(&args, &mut streamed).unwrap();
            let mut reference = Vec::new();
            whoami::write_loaded(&mut reference, whole(&files), json).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&streamed),
                String::from_utf8_lossy(&reference),
                "{flags:?} {files:?}"
            );
        }
    }
}

#[test]
fn extract_writes_the_same_suite_streamed_and_read_twice_as_read_whole() {
    for files in inputs() {
        for options in [
            Options::default(),
            Options {
                dedupe: true,
                ..Options::default()
            },
            Options {
                with_ui: true,
                ..Options::default()
            },
        ] {
            let (streamed, read) =
                load::extract_streamed(&files, &LoadOptions::default(), &options).unwrap();
            let loaded = whole(&files);
            let reference = loaded.extract(&options);
            assert_eq!(streamed.files, reference.files, "{files:?}");
            assert_eq!(streamed.manifest, reference.manifest, "{files:?}");
            assert_eq!(streamed.skipped, reference.skipped, "{files:?}");
            assert_eq!(read.describe(), loaded.describe());
            assert_eq!(read.exchanges, loaded.exchanges.len());

            // Read twice, each step handed on as it is made and the manifest's steps kept in
            // a file until the end (what `extract` writes).
            let dir = TempDir::new("two-reads");
            let surveyed = load::survey(&files, &LoadOptions::default(), &options).unwrap();
            let mut made = Vec::new();
            let finished = surveyed
                .extract(
                    &files,
                    &LoadOptions::default(),
                    &options,
                    &dir.0,
                    &mut |step| {
                        made.extend(step.files());
                        Ok(())
                    },
                )
                .unwrap();
            assert!(
                finished.manifest.steps.is_empty(),
                "the steps wait in a file"
            );
            assert_eq!(finished.step_count(), reference.manifest.steps.len());
            let uses: usize = reference.manifest.steps.iter().map(|s| s.uses.len()).sum();
            assert_eq!(finished.link_count(), uses, "{files:?}");
            let mut steps = Vec::new();
            finished
                .each_step(&mut |step| {
                    steps.push(step.clone());
                    Ok(())
                })
                .unwrap();
            assert_eq!(steps, reference.manifest.steps, "{files:?}");
            let mut writer = SuiteWriter::open(&dir.0, true).unwrap();
            finished.write_manifest(&mut writer).unwrap();
            let manifest = std::fs::read_to_string(dir.join(MANIFEST)).unwrap();
            made.insert(
                0,
                SuiteFile {
                    path: MANIFEST.into(),
                    contents: manifest,
                },
            );
            assert_eq!(made, reference.files, "{files:?}");
            assert_eq!(finished.notes, reference.skipped, "{files:?}");
            drop(finished);
            let left: Vec<_> = std::fs::read_dir(&dir.0)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(left, [MANIFEST], "the steps' file is gone with them");
        }
    }
}
