//! Which integers the captures' requests name, and the last call that names each: what a
//! first read tells linking so that a long capture's second read keeps only the answers'
//! ids some later request can still use.
//!
//! Linking looks a request's integer up among the ids earlier answers held, so an id no
//! later request names can be forgotten as soon as it is seen, and one a later request names
//! as soon as that request is past. A capture of 400 MB lists hundreds of thousands of ids;
//! its requests name a few of them, mostly soon after.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use serde_json::Value;

use crate::odoo::{OdooCall, ids};

/// For every integer a step's request names (anywhere in it: ids, values, domains, the
/// context), the index of the last call that names it. Calls are counted in capture order,
/// every recognised Odoo call, step or not, so both reads count alike.
#[derive(Debug, Default)]
pub struct Demand {
    last: HashMap<i64, u32>,
}

impl Demand {
    /// Notes the integers the request of call `index` names.
    pub fn note(&mut self, index: u32, call: &OdooCall) {
        let mut note = |value: &Value| {
            ids::each_integer(value, &mut |id| {
                self.last.insert(id, index);
            })
        };
        call.args.iter().for_each(&mut note);
        call.kwargs.values().for_each(&mut note);
        call.context
            .iter()
            .flat_map(|c| c.values())
            .for_each(&mut note);
        call.params.values().for_each(&mut note);
        call.ids.iter().for_each(&mut note);
    }

    /// Whether a request after call `index` names `value`.
    pub fn named_after(&self, value: i64, index: u32) -> bool {
        self.later(value, index).is_some()
    }

    /// The last call that names `value`, if it comes after call `index`.
    pub fn later(&self, value: i64, index: u32) -> Option<u32> {
        self.last(value).filter(|last| *last > index)
    }

    /// The last call that names `value`, if any does.
    pub fn last(&self, value: i64) -> Option<u32> {
        self.last.get(&value).copied()
    }
}

/// The integers linking holds on to, each until the last call that names it is past.
#[derive(Debug, Default)]
pub struct Held {
    held: HashSet<i64>,
    until: BinaryHeap<Reverse<(u32, i64)>>,
}

impl Held {
    /// Holds `value` until call `last`, the last that names it, is past.
    pub fn hold(&mut self, value: i64, last: u32) {
        if self.held.insert(value) {
            self.until.push(Reverse((last, value)));
        }
    }

    /// The values no call from `index` on names, no longer held.
    pub fn release_before(&mut self, index: u32) -> impl Iterator<Item = i64> + '_ {
        std::iter::from_fn(move || {
            let Reverse((last, value)) = *self.until.peek()?;
            if last >= index {
                return None;
            }
            self.until.pop();
            self.held.remove(&value);
            Some(value)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(args: Value, kwargs: Value) -> OdooCall {
        let body = json!({"jsonrpc": "2.0", "method": "call", "id": 77,
            "params": {"model": "res.partner", "method": "read", "args": args, "kwargs": kwargs}});
        crate::odoo::classify(&crate::capture::test_exchange(
            0,
            "POST",
            "http://h/web/dataset/call_kw/res.partner/read",
            &body.to_string(),
            None,
        ))
    }

    #[test]
    fn the_last_call_naming_a_value_is_remembered() {
        let mut demand = Demand::default();
        demand.note(0, &call(json!([[7, 8]]), json!({"context": {"uid": 2}})));
        demand.note(
            3,
            &call(json!([[7]]), json!({"domain": [["id", "in", [9]]]})),
        );
        assert!(demand.named_after(7, 2));
        assert!(!demand.named_after(7, 3), "the last call naming 7 is 3");
        assert!(!demand.named_after(8, 0));
        assert!(demand.named_after(9, 0));
        assert_eq!(demand.last(2), Some(0), "the context's uid is named too");
        assert!(!demand.named_after(42, 0), "never named");
        assert!(
            !demand.named_after(77, 0),
            "the envelope's id is no request's value"
        );
    }

    #[test]
    fn held_values_are_released_once_their_last_call_is_past() {
        let mut demand = Demand::default();
        demand.note(2, &call(json!([[5]]), json!({})));
        demand.note(6, &call(json!([[6, 5]]), json!({})));
        demand.note(4, &call(json!([[7]]), json!({})));
        let mut held = Held::default();
        for value in [5, 6, 7, 5, 99] {
            if let Some(last) = demand.later(value, 1) {
                held.hold(value, last);
            }
        }
        assert_eq!(demand.later(5, 1), Some(6));
        assert_eq!(demand.later(5, 6), None);
        assert_eq!(held.release_before(5).collect::<Vec<_>>(), [7]);
        assert_eq!(
            held.release_before(6).count(),
            0,
            "5 and 6 are named by call 6"
        );
        let mut released: Vec<i64> = held.release_before(7).collect();
        released.sort();
        assert_eq!(released, [5, 6], "each once, though 5 was held twice");
        assert!(held.held.is_empty() && held.until.is_empty());
    }
}
