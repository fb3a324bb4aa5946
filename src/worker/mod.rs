//! The Cloudflare Worker (`worker` feature): routes, D1, secrets, cron.
