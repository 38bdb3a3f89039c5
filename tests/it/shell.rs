//! Shell integration: completion scripts and the man page come from the parser's definitions,
//! and every command's help ends with examples.

use crate::common;

use common::odoo_har;

const COMMANDS: [&str; 14] = [
    "inspect",
    "whoami",
    "extract",
    "render",
    "redact",
    "replay",
    "diff",
    "export",
    "domain",
    "signatures",
    "mock",
    "demo",
    "completions",
    "help",
];

#[test]
fn completion_scripts_know_every_command_and_flag() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = odoo_har(&["completions", shell], None);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        for command in &COMMANDS[..13] {
            assert!(run.stdout.contains(command), "{shell} lacks {command}");
        }
        assert!(
            run.stdout.contains("report-junit"),
            "{shell} lacks replay's flags"
        );
    }
}

#[test]
fn the_man_page_documents_each_command() {
    let run = odoo_har(&["completions", "man"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with(".ie") || run.stdout.contains(".TH odoo-har 1"));
    for command in &COMMANDS[..13] {
        assert!(
            run.stdout.contains(&format!(".TH odoo-har-{command} ")),
            "no page for {command}"
        );
    }
    assert!(run.stdout.contains("\\-\\-match\\-loose"));
}

#[test]
fn every_command_help_ends_with_examples() {
    for command in &COMMANDS[..13] {
        let run = odoo_har(&[command, "--help"], None);
        assert_eq!(run.code, 0, "{command}: {}", run.stderr);
        let examples = run.stdout.split("Examples:").nth(1);
        let count = examples.map_or(0, |e| e.lines().filter(|l| l.contains("odoo-har ")).count());
        assert!(
            (2..=3).contains(&count),
            "{command} --help has {count} examples:\n{}",
            run.stdout
        );
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let run = odoo_har(&["completions", "tcsh"], None);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("bash"), "{}", run.stderr);
}
