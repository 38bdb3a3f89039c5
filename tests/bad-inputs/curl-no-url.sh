curl -H 'Content-Type: application/json' --data-raw '{}'
