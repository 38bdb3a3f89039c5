fetch("https://x.odoo.com/web/dataset/call_kw", {
  "body": "{\"a\":1}",
  "method": "POST"
