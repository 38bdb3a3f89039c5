curl 'https://x.odoo.com/web/dataset/call_kw/res.users/read' -H 'Content-Type: application/json' --data-raw '{"jsonrpc":"2.0"
