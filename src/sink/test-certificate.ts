/**
 * !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
 * PUBLIC TEST CERTIFICATE AND PRIVATE KEY - FOR LOOPBACK TESTING ONLY.
 *
 * This key is published in the mailwire source and npm package, so it protects NOTHING. Anyone can
 * impersonate a server that uses it. It exists so the local capture sink (`startSink({ tls: true })`,
 * `mailwire sink --tls`) and our tests can speak STARTTLS / implicit TLS on 127.0.0.1 without generating
 * keys at run time. Never use it for a server reachable from another machine, and never add it to a
 * trust store outside a test (`tls: { ca: TEST_CERTIFICATE }` in a loopback test is the intended use).
 * !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
 *
 * Self-signed ECDSA P-256, CN=localhost, SAN DNS:localhost, IP:127.0.0.1, IP:::1,
 * valid 2000-01-01 to 2100-01-01 (backdated so machines with a wrong clock still accept it).
 * Generated once with openssl 3.0; basicConstraints CA:TRUE so it can be passed directly as `ca`.
 */

/** PEM private key of the public test certificate. Public knowledge: loopback tests only. */
export const TEST_PRIVATE_KEY = `
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgrHZbhwswrkOWtwqn
bLsNyFTNSMWfWb7PyU1yM55aMdahRANCAAS+GQZPT+HirCNGXaVsYPdt9jxvH1Zy
O/i6siIcZhq5EV2ftX+2DMBC/JOmQB4dcz0ogAxYuq3f3Zqg+TddgXO/
-----END PRIVATE KEY-----
`.trimStart();

/** PEM certificate (self-signed, CN=localhost). Trust it with `tls: { ca: TEST_CERTIFICATE }` in loopback tests only. */
export const TEST_CERTIFICATE = `
-----BEGIN CERTIFICATE-----
MIIBrzCCAVagAwIBAgIRAKyALj1xF2BFjOp7wpJRMdowCgYIKoZIzj0EAwIwFDES
MBAGA1UEAwwJbG9jYWxob3N0MCAXDTAwMDEwMTAwMDAwMFoYDzIxMDAwMTAxMDAw
MDAwWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjOPQMB
BwNCAAS+GQZPT+HirCNGXaVsYPdt9jxvH1ZyO/i6siIcZhq5EV2ftX+2DMBC/JOm
QB4dcz0ogAxYuq3f3Zqg+TddgXO/o4GGMIGDMCwGA1UdEQQlMCOCCWxvY2FsaG9z
dIcEfwAAAYcQAAAAAAAAAAAAAAAAAAAAATAPBgNVHRMBAf8EBTADAQH/MA4GA1Ud
DwEB/wQEAwIChDATBgNVHSUEDDAKBggrBgEFBQcDATAdBgNVHQ4EFgQUII26m230
Mdsip7HnabNkYjIq1NIwCgYIKoZIzj0EAwIDRwAwRAIgQOvMICzetwxFk/0Ctiax
+y/9rcl1rg3ADVqoY0CzlRQCID2Bl97wwqi9GZiRLGkhFmRzsfRAYZSrcokrcK4q
/jnv
-----END CERTIFICATE-----
`.trimStart();
