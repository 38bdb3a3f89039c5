//! Replays judged relative to the run, as real Odoo made them necessary: a session recorded
//! on the test server and replayed on that same server, on a copy of its database, and on
//! another database with other ids, must pass where nothing changed, write what the user
//! chose, and leave no trace when asked.

use serde_json::{Value, json};

use crate::common::{TempDir, odoo_har, odoo_har_env};
use crate::fake_odoo::{
    DB, DECO, DECO_INVOICE, DECO_TERMS, DESK, FakeOdoo, LOGIN, PASSWORD, Setup,
};
use crate::recorder::Recorder;

fn replay(url: &str, db: &str, input: &str, extra: &[&str]) -> crate::common::Run {
    let mut args = vec![
        "replay", input, "--url", url, "--db", db, "--login", LOGIN, "--color", "never",
    ];
    args.extend(extra);
    odoo_har_env(&args, None, &[("ODOO_PASSWORD", PASSWORD)])
}

fn partner_spec() -> Value {
    json!({"name": {}, "phone": {}, "image_128": {}, "message_ids": {}, "message_follower_ids": {}})
}

/// A contact created, edited and deleted in the web client, with the chatter open and the
/// Preferences dialog's device list read: what the lab's crud and preferences flows do.
fn record_contact_session(odoo: &FakeOdoo, har: &std::path::Path) {
    let mut rec = Recorder::new(&odoo.url);
    rec.login(DB, LOGIN, PASSWORD);
    rec.rpc("/mail/init_messaging", json!({}));
    rec.rpc("/web/session/get_session_info", json!({}));
    rec.call_kw(
        "res.partner",
        "web_search_read",
        json!([]),
        json!({"domain": [["is_company", "=", true]], "specification": {"name": {}, "image_128": {}}, "limit": 80}),
    );
    let created = rec.call_kw(
        "res.partner",
        "web_save",
        json!([[], {"name": "Lab Contact", "phone": "+32 1"}]),
        json!({"specification": partner_spec()}),
    );
    let id = created[0]["id"].clone();
    let first = rec.rpc(
        "/mail/thread/messages",
        json!({"thread_model": "res.partner", "thread_id": id, "min_id": 0}),
    );
    rec.call_kw(
        "res.partner",
        "web_save",
        json!([[id], {"phone": "+32 2"}]),
        json!({"specification": partner_spec()}),
    );
    // The chatter asks for what is newer than the message it shows.
    rec.rpc(
        "/mail/thread/messages",
        json!({"thread_model": "res.partner", "thread_id": id, "min_id": first[0]["id"]}),
    );
    rec.call_kw(
        "res.partner",
        "web_read",
        json!([[id]]),
        json!({"specification": partner_spec()}),
    );
    rec.call_kw(
        "res.users",
        "web_read",
        json!([[2]]),
        json!({"specification": {"name": {}, "device_ids": {"fields": {"display_name": {}, "is_current": {}}, "order": "is_current DESC, last_activity DESC"}}}),
    );
    rec.call_kw("res.partner", "unlink", json!([[id]]), json!({}));
    rec.save(har);
}

#[test]
fn a_session_replayed_on_its_own_server_and_on_a_copy_passes_in_every_mode() {
    let dir = TempDir::new("relative-session");
    let har = dir.join("session.har");
    let odoo = FakeOdoo::start();
    record_contact_session(&odoo, &har);
    let har = har.to_string_lossy().into_owned();

    // The same server, seconds later: new ids for the contact, its messages and follower.
    for mode in ["session", "jsonrpc"] {
        let run = replay(&odoo.url, DB, &har, &["--mode", mode]);
        assert_eq!(run.code, 0, "{mode}: {}\n{}", run.stdout, run.stderr);
        assert!(
            run.stdout.contains("0 differs, 0 failed"),
            "{mode}: {}",
            run.stdout
        );
    }
    // bin_size stayed in the contexts the replay sent: sizes came back, not images.
    let requests = odoo.requests();
    let reads: Vec<&(String, String, String)> = requests
        .iter()
        .filter(|(_, _, body)| body.contains("web_search_read"))
        .collect();
    assert!(
        reads.len() >= 3
            && reads
                .iter()
                .all(|(_, _, body)| body.replace(" ", "").contains("\"bin_size\":true"))
    );
    // Outside a web session the device list is asked for without what only a session knows.
    let last_users_read = requests
        .iter()
        .rev()
        .find(|(_, path, body)| path == "/jsonrpc" && body.contains("res.users"))
        .expect("the Preferences read went through /jsonrpc");
    assert!(
        !last_users_read.2.contains("is_current"),
        "{}",
        last_users_read.2
    );

    // A copy of the database under another name, on another port: its answers say so.
    let copy = FakeOdoo::start_with(Setup {
        db: "copy_db".into(),
        ..Setup::default()
    });
    let run = replay(&copy.url, "copy_db", &har, &["--mode", "session"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
}

#[test]
fn the_web_clients_plumbing_is_left_out_or_kept_and_then_linked() {
    let dir = TempDir::new("relative-plumbing");
    let har = dir.join("session.har");
    let odoo = FakeOdoo::start();
    record_contact_session(&odoo, &har);
    let har = har.to_string_lossy().into_owned();
    let inspect = odoo_har(&["inspect", &har], None);
    assert!(
        inspect.stdout.contains("ui: the chatter pane"),
        "{}",
        inspect.stdout
    );

    let plain = dir.str("plain");
    let run = odoo_har(&["extract", &har, "-o", &plain], None);
    assert!(
        run.stdout
            .contains("left out 3 web-client plumbing calls (--with-ui keeps them)"),
        "{}",
        run.stdout
    );
    let steps: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("  0"))
        .collect();
    assert!(steps.iter().all(|l| !l.contains("mail")), "{}", run.stdout);

    let with_ui = dir.str("with-ui");
    let run = odoo_har(&["extract", &har, "-o", &with_ui, "--with-ui"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(dir.join("with-ui/odoo-har.toml")).unwrap())
            .unwrap();
    // The chatter's min_id is the message the earlier answer returned: a record the create
    // made as a side effect, linked, not a literal.
    let refetch = manifest["step"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["route"].as_str() == Some("/mail/thread/messages"))
        .nth(1)
        .expect("two chatter fetches");
    let link = &refetch["link"][0];
    assert_eq!(link["field"].as_str(), Some("min_id"), "{refetch:?}");
    assert_eq!(link["strength"].as_str(), Some("created"), "{refetch:?}");

    // Kept, the plumbing replays clean too: bus counters and presence are volatile, the
    // messages the run's writes made map to the captured ones.
    let run = replay(&odoo.url, DB, &with_ui, &["--mode", "session"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    // Over /jsonrpc the chatter's routes cannot be sent: reported, and the run passes unless
    // asked to fail on that.
    let run = replay(&odoo.url, DB, &with_ui, &["--mode", "jsonrpc"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("not sendable in this run"),
        "{}",
        run.stdout
    );
    let strict = replay(
        &odoo.url,
        DB,
        &with_ui,
        &["--mode", "jsonrpc", "--fail-on-skip"],
    );
    assert_eq!(strict.code, 1, "{}", strict.stdout);
}

/// A quotation for Deco, made with OdooRPC through the external API: search the product and
/// the customer, create the order with a line, read it, confirm it, read its line, count the
/// customer's confirmed orders.
fn record_odoorpc_sale(odoo: &FakeOdoo, har: &std::path::Path) {
    let mut rec = Recorder::new(&odoo.url);
    let who = (DB, 2, PASSWORD);
    rec.rpc(
        "/jsonrpc",
        json!({"service": "common", "method": "login", "args": [DB, LOGIN, PASSWORD]}),
    );
    rec.execute_kw(
        who,
        "sale.order",
        "fields_get",
        json!([]),
        json!({"attributes": ["type", "relation"]}),
    );
    let product = rec.execute_kw(
        who,
        "product.product",
        "search",
        json!([[["name", "ilike", "Corner Desk"]]]),
        json!({}),
    );
    let customer = rec.execute_kw(
        who,
        "res.partner",
        "search",
        json!([[["name", "=", "Deco Addict"]]]),
        json!({}),
    );
    let order = rec.execute_kw(
        who,
        "sale.order",
        "create",
        json!([{"partner_id": customer[0], "order_line": [[0, 0, {"product_id": product[0], "product_uom_qty": 3}]]}]),
        json!({}),
    );
    let read = rec.execute_kw(
        who,
        "sale.order",
        "read",
        json!([[order], ["name", "partner_id", "order_line", "state"]]),
        json!({}),
    );
    rec.execute_kw(
        who,
        "sale.order",
        "action_confirm",
        json!([[order]]),
        json!({}),
    );
    rec.execute_kw(
        who,
        "sale.order.line",
        "read",
        json!([
            read[0]["order_line"],
            ["order_id", "product_id", "product_uom_qty"]
        ]),
        json!({}),
    );
    rec.execute_kw(
        who,
        "sale.order",
        "search_count",
        json!([[["partner_id", "=", customer[0]], ["state", "=", "sale"]]]),
        json!({}),
    );
    rec.save(har);
}

#[test]
fn an_integration_replayed_on_another_database_uses_that_databases_records() {
    let dir = TempDir::new("relative-odoorpc");
    let har = dir.join("odoorpc.har");
    record_odoorpc_sale(&FakeOdoo::start(), &har);
    // Another database: every id shifted, and Deco has no confirmed order yet.
    let other = FakeOdoo::start_with(Setup {
        shift: 100,
        deco_orders: false,
        ..Setup::default()
    });
    let run = replay(
        &other.url,
        DB,
        &har.to_string_lossy(),
        &["--mode", "jsonrpc", "--report-json", &dir.str("r.json")],
    );
    // Only the count differs: each database has its own number of confirmed orders.
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("r.json")).unwrap()).unwrap();
    let not_passed: Vec<(&str, &str)> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["verdict"] != "passed")
        .map(|s| (s["step"].as_str().unwrap(), s["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        not_passed,
        [(
            "008-sale.order.search_count",
            "1 path changed: $.result: 2 → 1"
        )],
        "{}",
        run.stdout
    );
    // The new order is Deco's and holds the desk, by this database's ids; the line read is
    // the run's own line, not the captured one.
    let orders = other.records("sale.order");
    let (order_id, order) = orders.iter().last().unwrap();
    assert_eq!(order["partner_id"], json!(DECO + 100));
    let lines = other.records("sale.order.line");
    let (line_id, line) = lines.iter().last().unwrap();
    assert_eq!(
        (line["product_id"].clone(), line["order_id"].clone()),
        (json!(DESK + 100), json!(order_id))
    );
    let line_read: Value = other
        .requests()
        .into_iter()
        .filter_map(|(_, _, body)| serde_json::from_str::<Value>(&body).ok())
        .find(|body| body["params"]["args"][3] == "sale.order.line")
        .expect("the line was read");
    assert_eq!(line_read["params"]["args"][5][0], json!([line_id]));
}

/// The web client's quotation flow: the list of quotations, a new one, "Deco" typed in the
/// customer and the first suggestion picked, the server's onchange filling the invoice address
/// and terms, the desk picked, saved, confirmed, read back.
fn record_web_sale(odoo: &FakeOdoo, har: &std::path::Path) {
    let mut rec = Recorder::new(&odoo.url);
    rec.login(DB, LOGIN, PASSWORD);
    let spec = json!({"name": {}, "partner_id": {"fields": {"display_name": {}}}, "state": {}});
    rec.call_kw(
        "sale.order",
        "web_search_read",
        json!([]),
        json!({"domain": [], "specification": spec, "limit": 80}),
    );
    let order_spec = json!({"name": {}, "partner_id": {"fields": {"display_name": {}}}, "partner_invoice_id": {"fields": {}},
        "payment_term_id": {"fields": {"display_name": {}}}, "date_order": {}, "state": {}, "order_line": {"fields": {"product_id": {"fields": {}}}}});
    rec.call_kw(
        "sale.order",
        "onchange",
        json!([[], {}, [], order_spec]),
        json!({}),
    );
    let picked = rec.call_kw(
        "res.partner",
        "name_search",
        json!([]),
        json!({"name": "Deco", "operator": "ilike", "limit": 8}),
    );
    let customer = picked[0][0].clone();
    let filled = rec.call_kw(
        "sale.order",
        "onchange",
        json!([[], {"partner_id": customer}, ["partner_id"], order_spec]),
        json!({}),
    );
    let template = rec.call_kw(
        "product.template",
        "name_search",
        json!([]),
        json!({"name": "Desk", "operator": "ilike", "limit": 8}),
    );
    let variant = rec.call_kw(
        "product.template",
        "get_single_product_variant",
        json!([template[0][0]]),
        json!({}),
    );
    rec.call_kw(
        "sale.order.line",
        "onchange",
        json!([[], {"product_id": variant["product_id"]}, ["product_id"], {}]),
        json!({}),
    );
    let value = &filled["value"];
    let saved = rec.call_kw(
        "sale.order",
        "web_save",
        json!([[], {"partner_id": customer, "partner_invoice_id": value["partner_invoice_id"]["id"],
                     "payment_term_id": value["payment_term_id"]["id"],
                     "order_line": [[0, "virtual_1", {"product_id": variant["product_id"], "product_template_id": template[0][0], "product_uom_qty": 3}]]}]),
        json!({"specification": order_spec}),
    );
    let order = saved[0]["id"].clone();
    rec.button("sale.order", "action_confirm", json!([[order]]));
    rec.call_kw(
        "sale.order",
        "web_read",
        json!([[order]]),
        json!({"specification": order_spec}),
    );
    rec.save(har);
}

/// What the run's new quotation holds: customer, invoice address, terms, state.
fn last_order(odoo: &FakeOdoo) -> (Value, Value, Value, Value) {
    let orders = odoo.records("sale.order");
    let (_, order) = orders.iter().last().unwrap();
    let field = |f: &str| order.get(f).cloned().unwrap_or(Value::Null);
    (
        field("partner_id"),
        field("partner_invoice_id"),
        field("payment_term_id"),
        field("state"),
    )
}

#[test]
fn a_quotation_is_written_for_the_customer_the_user_picked_not_a_list_rows() {
    let dir = TempDir::new("relative-sale");
    let har = dir.join("sale.har");
    // At capture time the quotation list's first row is Deco's: the id the user then picks
    // stands in it by coincidence.
    record_web_sale(&FakeOdoo::start(), &har);
    let har = har.to_string_lossy().into_owned();
    let suite = dir.str("suite");
    assert_eq!(odoo_har(&["extract", &har, "-o", &suite], None).code, 0);

    // Before anything is written, a person sees where each written value comes from.
    let dry = replay("http://127.0.0.1:9", DB, &suite, &["--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(
        dry.stdout.contains(
            "partner_id ← 003-res.partner.name_search $.result[0][0] (suggestion #1 of a res.partner name_search for \"Deco\")"
        ),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout
            .contains("partner_invoice_id ← 004-sale.order.onchange"),
        "{}",
        dry.stdout
    );

    // At replay time no listed quotation is Deco's, and every id is another.
    for mode in ["session", "jsonrpc"] {
        let other = FakeOdoo::start_with(Setup {
            shift: 100,
            deco_orders: false,
            ..Setup::default()
        });
        let run = replay(&other.url, DB, &suite, &["--mode", mode]);
        assert_eq!(
            last_order(&other),
            (
                json!(DECO + 100),
                json!(DECO_INVOICE + 100),
                json!(DECO_TERMS + 100),
                json!("sale")
            ),
            "{mode}: {}",
            run.stdout
        );
        // The confirm answers as the web route cleans it, in either mode.
        assert!(
            run.stdout
                .lines()
                .any(|l| l.starts_with("passed") && l.contains("sale.order.action_confirm")),
            "{mode}: {}",
            run.stdout
        );
    }
    // On a server with the capture's data, the whole flow passes: the new order's number and
    // date are the server's, mapped to the captured ones.
    let same = FakeOdoo::start();
    let run = replay(&same.url, DB, &suite, &["--mode", "session"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("10 passed, 0 differs, 0 failed, 0 skipped"),
        "{}",
        run.stdout
    );
}

#[test]
fn cleanup_deletes_what_the_run_created_and_says_what_it_could_not() {
    let dir = TempDir::new("relative-cleanup");
    let har = dir.join("create.har");
    let odoo = FakeOdoo::start();
    let mut rec = Recorder::new(&odoo.url);
    rec.login(DB, LOGIN, PASSWORD);
    rec.call_kw(
        "res.partner",
        "create",
        json!([{"name": "Left Behind"}]),
        json!({}),
    );
    rec.save(&har);
    let partners = odoo.records("res.partner").len();
    for _ in 0..2 {
        let run = replay(
            &odoo.url,
            DB,
            &har.to_string_lossy(),
            &["--mode", "jsonrpc", "--cleanup"],
        );
        assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("cleanup: deleted res.partner"),
            "{}",
            run.stderr
        );
        // Only the capture's own contact is left: the run's is gone, so the next run answers
        // the same.
        assert_eq!(odoo.records("res.partner").len(), partners);
    }
    // A form saved twice creates its record once: the second save writes it, and cleanup
    // deletes it once.
    let form = dir.join("form.har");
    let mut rec = Recorder::new(&odoo.url);
    rec.login(DB, LOGIN, PASSWORD);
    let spec = json!({"name": {}});
    let saved = rec.call_kw(
        "res.partner",
        "web_save",
        json!([[], {"name": "Saved Twice"}]),
        json!({"specification": spec}),
    );
    rec.call_kw(
        "res.partner",
        "web_save",
        json!([[saved[0]["id"]], {"name": "Saved Twice, Renamed"}]),
        json!({"specification": spec}),
    );
    rec.save(&form);
    let partners = odoo.records("res.partner").len();
    let run = replay(
        &odoo.url,
        DB,
        &form.to_string_lossy(),
        &["--mode", "session", "--cleanup"],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let cleaned: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("cleanup:"))
        .collect();
    assert_eq!(cleaned.len(), 1, "{}", run.stderr);
    assert!(
        cleaned[0].contains("deleted res.partner")
            && cleaned[0].contains("001-res.partner.web_save"),
        "{}",
        run.stderr
    );
    assert_eq!(odoo.records("res.partner").len(), partners);
    // A confirmed quotation cannot be deleted: said, not hidden.
    let sale = dir.join("sale.har");
    let shop = FakeOdoo::start();
    record_web_sale(&shop, &sale);
    let run = replay(
        &shop.url,
        DB,
        &sale.to_string_lossy(),
        &["--mode", "session", "--cleanup"],
    );
    assert!(
        run.stderr.contains(
            "could not delete sale.order 21 (008-sale.order.web_save): odoo.exceptions.UserError: You can not delete a sent quotation or a confirmed sales order"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn an_id_sent_as_captured_though_an_answer_returned_it_is_a_warning_in_every_report() {
    let dir = TempDir::new("relative-literal");
    let har = dir.join("literal.har");
    let odoo = FakeOdoo::start();
    let mut rec = Recorder::new(&odoo.url);
    rec.login(DB, LOGIN, PASSWORD);
    // The country came from the partner's answer, but nothing says country_id points to
    // res.country's records as an id to read: it stays a literal, and says so.
    rec.call_kw(
        "res.partner",
        "read",
        json!([[9], ["name", "country_id"]]),
        json!({}),
    );
    rec.call_kw("res.country", "read", json!([[21], ["name"]]), json!({}));
    rec.save(&har);
    let har = har.to_string_lossy().into_owned();
    let run = replay(
        &odoo.url,
        DB,
        &har,
        &[
            "--mode",
            "session",
            "--report-json",
            &dir.str("r.json"),
            "--report-junit",
            &dir.str("r.xml"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    let warning = "sends 21 as a literal at $.args[0][0]; 001-res.partner.read $.result[0].country_id[0] returned it in the capture";
    assert!(
        run.stdout.contains(&format!("warning: {warning}")),
        "{}",
        run.stdout
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("r.json")).unwrap()).unwrap();
    assert_eq!(report["steps"][1]["warnings"], json!([warning]));
    let junit = std::fs::read_to_string(dir.join("r.xml")).unwrap();
    assert!(junit.contains("warning: sends 21 as a literal"), "{junit}");
}

#[test]
fn extract_with_url_asks_the_server_what_the_capture_did_not_say() {
    let dir = TempDir::new("relative-relations");
    let har = dir.join("invoice.har");
    let odoo = FakeOdoo::start();
    let mut rec = Recorder::new(&odoo.url);
    let who = (DB, 2, PASSWORD);
    let customer = rec.execute_kw(
        who,
        "res.partner",
        "search",
        json!([[["name", "=", "Deco Addict"]]]),
        json!({}),
    );
    // No fields_get in the capture, and partner_invoice_id's name does not say its model.
    rec.execute_kw(
        who,
        "sale.order",
        "create",
        json!([{"partner_id": customer[0], "partner_invoice_id": customer[0]}]),
        json!({}),
    );
    rec.save(&har);
    let har = har.to_string_lossy().into_owned();
    let link_of = |suite: &str, field: &str| -> Option<String> {
        let manifest: toml::Value =
            toml::from_str(&std::fs::read_to_string(format!("{suite}/odoo-har.toml")).unwrap())
                .unwrap();
        manifest["step"].as_array().unwrap()[1]
            .get("link")?
            .as_array()?
            .iter()
            .find(|l| l["field"].as_str() == Some(field))
            .map(|l| l["strength"].as_str().unwrap().to_string())
    };

    let offline = dir.str("offline");
    let run = odoo_har(&["extract", &har, "-o", &offline], None);
    assert!(
        run.stdout
            .contains("as a literal at $.args[5][0].partner_invoice_id"),
        "{}",
        run.stdout
    );
    assert_eq!(link_of(&offline, "partner_id").as_deref(), Some("relation"));
    assert_eq!(link_of(&offline, "partner_invoice_id"), None);

    let asked = dir.str("asked");
    let run = odoo_har_env(
        &["extract", &har, "-o", &asked, "--url", &odoo.url],
        None,
        &[("ODOO_PASSWORD", PASSWORD), ("ODOO_DB", DB)],
    );
    // The script's capture holds no login: say what is missing.
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(
            "give the database and login in ODOO_DB and ODOO_LOGIN (the capture holds no login)"
        ),
        "{}",
        run.stderr
    );
    let run = odoo_har_env(
        &["extract", &har, "-o", &asked, "--url", &odoo.url, "--force"],
        None,
        &[
            ("ODOO_PASSWORD", PASSWORD),
            ("ODOO_DB", DB),
            ("ODOO_LOGIN", LOGIN),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(&format!(
            "note: relations of res.partner, sale.order from {} (fields_get)",
            odoo.url
        )),
        "{}",
        run.stdout
    );
    assert_eq!(
        link_of(&asked, "partner_invoice_id").as_deref(),
        Some("relation")
    );
    let sent: Vec<String> = odoo
        .requests()
        .into_iter()
        .map(|(method, _, _)| method)
        .collect();
    assert!(sent.iter().all(|m| m == "POST"));
    // Cached in the suite for whoever reads it next.
    let manifest = std::fs::read_to_string(format!("{asked}/odoo-har.toml")).unwrap();
    assert!(
        manifest.contains("partner_invoice_id = \"res.partner\""),
        "{manifest}"
    );
}
