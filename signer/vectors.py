"""Published signature vectors (docs/signing.md, "Vectors"), kept verbatim for tests and self-checks."""

BINANCE_API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
BINANCE_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"

ASCII_PAYLOAD = (
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
)
ASCII_SIGNATURE = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
NON_ASCII_SYMBOL = "１２３４５６"  # noqa: RUF001 (fullwidth digits, as in Binance's example)
NON_ASCII_SIGNATURE = "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"
NON_ASCII_PAYLOAD = (
    "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC"
    "&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
)
# Not official: the same order signed over unencoded UTF-8, which Binance rejects since 2026-01-15.
UNENCODED_SIGNATURE = "ca2cdfbf21d2e2958de492c7f2dd1f059dd2ed4d4459d26a5ec7928db50c8d4f"
# Derived in the reference with binance_common: a C2C history query (signed over timestamp alone, no recvWindow).
C2C_PAYLOAD = "tradeType=BUY&page=1&rows=10&timestamp=1499827319559"
C2C_SIGNATURE = "7788c45b3b60593d408d0f5fb56010affb7d138543e5d87ba3eb532b59b93f93"
# Binance's C2C SAPI v7.4 reference (2024-05-08, sent to the case's merchant by support), its signing example:
# the figure it prints is not the HMAC-SHA256 of its payload with its secret; openssl's, hashlib's and this
# signer's agree on another (docs/signing.md, "Binance's C2C guide").
C2C_GUIDE_SECRET = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9"
C2C_GUIDE_PAYLOAD = "adsNo=10191633467710386176&timestamp=1591702613943"
C2C_GUIDE_PRINTED_SIGNATURE = "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9"
C2C_GUIDE_SIGNATURE = "fcbf9e89c65b441e10281af8a8e82c1d91df4d202a516dbc0e76a8c9f54d4ae5"

# RFC 8032 section 7.1, TEST 1.
RFC8032_SECRET_HEX = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
RFC8032_PUBLIC_HEX = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
RFC8032_EMPTY_SIGNATURE_HEX = (
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)
RFC8032_PEM = (
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n"
)
# Derived in the reference (binance_common and cryptography agree): the RFC 8032 key over an order.
ED25519_ORDER_PAYLOAD = (
    "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=1&price=0.2&timestamp=1668481559918&recvWindow=5000"
)
ED25519_ORDER_SIGNATURE = "XtZirsmmi0noRzUfkqktvkVfxpkq/WtbLg2UOL3QGYdUBZVlqOBEMuEVw8zioY93N54NcKj9UuAXQEa9zgTDBg=="
