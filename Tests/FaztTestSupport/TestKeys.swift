/// Keys made once with `openssl genpkey` for the signing tests (`fazt.secrets.sign/verify`): test
/// fixtures, never used for anything else.
public enum TestKeys {
    /// RSA 2048, PKCS#8.
    public static let rsaPrivate = """
        -----BEGIN PRIVATE KEY-----
        MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7AKh94Mb1RVtH
        GAGoJbYs2mW8JqeCjT8aEV47OTCHlqbfgeGCwaLJtcxHYHyU4idbszKUW3pzCGns
        zAIamH2jI6azRPjZ9ILtLkFNMNlej8LKOvEuXoz8VE3s30/k+3YywJsv9eBj/rUo
        W5JQpdFLQJlPwwAVhw6hUJSxDNpTiZKnzPB2MN16WphnFr6brT8asMMJJHT0DA3x
        y25e6dndLTFBNI+klO3dxBUMmbY2fZ4tRvOphvkVRNPYUJZQp6ZOJ86jC6IGxIjc
        SZdqhd8rS8DRLz9BV58OQEJbRgte0umROfL3HZUaxv26oo2URBq94SgdbOugj1fI
        FK8kWBw9AgMBAAECggEADMs7+9a5zfSHjOrhzCL+Xn23qaJ8YeRvfYVULNmaDiC6
        vH5qkxNT45h+SCDcDSSW3EF7k6ZZj46zDoobl724lMV+5XNx0hmWLot0WMdfi8Zq
        pYLYVtuNqkLLTQovMWOZ39mJFIQuLLEzrDXtofpiQhOCmbAl7JMfp143uhA+zKm2
        KsqB936Yw4EUgyaYz24WvuoMyLCzyzKnnXtbVH4pAIuAjOn1wvvNXNAB9UZcPD97
        n9pv4d1BqU7G8DC8B24zidZUdMc5s9G2BMrvSBeKYmrrZ/ruakD3I5exhGtLxfQq
        BUAvmg1/Wq71Jb0fJtS9XKuBaBxKajDH01KzljeOAQKBgQDjQqsPIMN8YOmLBOsy
        9EIrYLkMv1zen1VaA2DNsEuK5vMDeyi/4pXEKxJicbnqETROvwwdKwcp9WdNa4MN
        qewHYYFR6HqI603PqL0JVVe3ZESKP5n5XpFR4/ihR1wwYmy6QM/9ghEl3kV503aC
        G5sXagmNJtzUydLkADguPw1OAQKBgQDSpq6IkKU/EKEccYIW75PydEB/OHdiRBLL
        KUTTwyFe1jmo1SIGmc/7i1zwWfetR5LicgmUdfSjbcZqhYsw6lH/J+wrVWXzF/xk
        ajwITra2vvI2VO3KZJZKZIplR09JwBiYFqLcyvTqqmHAYk+Mx7NDywHWRz2+DptW
        EjKUV1iGPQKBgFKvvhd5/0Zw6GhZeM4IS08HGS1HLx4c8OwYUI9mNoYqc37vv6rZ
        YU6HsV+6Kz+71MFWB61RK4EbteNYW82L5sHkuy23HWZV3vDQXz9XGtwyEjIO5BH0
        U4FtJdhgY22DUjYOQN7nBSA3GCY0R2kdbDd/sEv4ON7/M8kbP1WsQUYBAoGBALgj
        DB5Ekq52Et+SOW1jL6iZBmgvK+yyJNuCz69suxbznKOA66Vpfu0b/bn8aw0Fq9hW
        ZxlnotnZc8BZzDqOGe85LrESjXPaW75LPv7kD8PfVks4IkTxeI6/JFsz4pNNYDJS
        Vzs6Dq2zEo/hYDhnuMRiCNEOpWIl0pOChMQ3NiLhAoGAdVz6Vz+8m86uiznVDjmy
        d/ZULzqNWdEzKC1XGlmhRrN48+/4w3DYMTMhBhDz0ERkcM7s+91pbPc+2mrJmAbG
        8GvFe4qJGm4rTht+SlDXdL4azj2PkXIM/3J9PPpt7A1FX8depThkeb8olzbhK3Z/
        jIW7sWmubtBY3rzRNbkz8wc=
        -----END PRIVATE KEY-----
        """

    /// The public half of `rsaPrivate`.
    public static let rsaPublic = """
        -----BEGIN PUBLIC KEY-----
        MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAuwCofeDG9UVbRxgBqCW2
        LNplvCango0/GhFeOzkwh5am34HhgsGiybXMR2B8lOInW7MylFt6cwhp7MwCGph9
        oyOms0T42fSC7S5BTTDZXo/CyjrxLl6M/FRN7N9P5Pt2MsCbL/XgY/61KFuSUKXR
        S0CZT8MAFYcOoVCUsQzaU4mSp8zwdjDdelqYZxa+m60/GrDDCSR09AwN8ctuXunZ
        3S0xQTSPpJTt3cQVDJm2Nn2eLUbzqYb5FUTT2FCWUKemTifOowuiBsSI3EmXaoXf
        K0vA0S8/QVefDkBCW0YLXtLpkTny9x2VGsb9uqKNlEQaveEoHWzroI9XyBSvJFgc
        PQIDAQAB
        -----END PUBLIC KEY-----
        """

    /// EC P-256, PKCS#8.
    public static let ecPrivate = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgNLAEOL5pmYG2Kiv9
        P1yc1Rr1iTtHz1iXhRutk4yK9QqhRANCAAQxj594hlizu6v6RNJPMS9rfuBzYopO
        5TRlbngVf/H21jZzVTAAK0ipzlAQjNbdexW/FjkNwxPChpxWLkSxu5xM
        -----END PRIVATE KEY-----
        """

    /// The public half of `ecPrivate`.
    public static let ecPublic = """
        -----BEGIN PUBLIC KEY-----
        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEMY+feIZYs7ur+kTSTzEva37gc2KK
        TuU0ZW54FX/x9tY2c1UwACtIqc5QEIzW3XsVvxY5DcMTwoacVi5EsbucTA==
        -----END PUBLIC KEY-----
        """

    /// EC P-384, which JWS ES256 cannot use.
    public static let ec384Private = """
        -----BEGIN PRIVATE KEY-----
        MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDDMG2D58OtF8SD7PJgA
        tO/uUJjlQEIl9at3ptbTufuatJOBuBuk/zp25KoEG7AnurqhZANiAAQYj4ecgBm2
        y0Frctjmc/+CPnzyTSPnL7VlInFG+P2NwNP/HY2F4Jt12r+9vywC9ArPQjZq3N0K
        cpi986xNAoBrewA8ipUcOsE7SdFspVOcX91/eYH5rCc+b+/8TxzTCCU=
        -----END PRIVATE KEY-----
        """

    /// EC P-256 encrypted with a passphrase (`fazt`): never loads, and never prompts for one.
    public static let ecEncrypted = """
        -----BEGIN ENCRYPTED PRIVATE KEY-----
        MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAhEWx1Ar536ZQICCAAw
        DAYIKoZIhvcNAgkFADAdBglghkgBZQMEAQIEEIbHs99W3AI8oDRULXp5hHkEgZDw
        7hva+H5nELAt9OmVBmMTNW0sRKrkQEXvyvVL05qcLvvMGioXFY/YJqK8az7PQzMb
        ujr4MR1NMus71mtjFzgOIYEfrE7+1MWyyZAk/xGoCZu/sRwQuSr3AHleh1WOIrH3
        y9A74vVbql4VJw4eMC/jGU0Vh9n3ZT156MBUbBhwkdaCUWLGfCEBvS3DBILQ974=
        -----END ENCRYPTED PRIVATE KEY-----
        """

    /// `openssl dgst -sha256 -sign` with `rsaPrivate` over the JWS `{"alg":"RS256","typ":"JWT"}` /
    /// `{"sub":"fazt"}` (PKCS#1 v1.5 is deterministic: the same key and input give these bytes).
    public static let rs256JWT =
        "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJmYXp0In0.HNIaRS_qvwIFceyfLRM2M4V9DnE1IeyuIiy3SSEz5mtCDDXoJw0BpGusfr1iDeCjr1P68GhpHRMKQHYL4hd9hOAhgCCHP72f5syEInI860axy0vyJJB5EV9b7tEspSn4BuT_RDoe8bBiFoJdWFycnWQkOcklGRQOWmKc6vzJA7DUMFnYF7q8fFNBdWSS3Jtb-zoT5AxnzgV69bxtqf4UaHMAIgPkuZPqe371yegDt-cvHyf3pYRW-ioqIP-QO5bzQ7X-fYgn7ZRb2GKLe2Cw5MjnB-aopTQl9r2UIq1xU_7VORe9bZCuwU7JNKmS8l8I7WKiphup-BAnaY3PWwjfSQ"

    /// `openssl dgst -sha256 -sign` with `ecPrivate` over `ecMessage`: an ECDSA signature in DER, base64.
    public static let ecDERSignature =
        "MEUCIQC9EITyM7jT3rLtH8Rla7jVosVB3dK01TVeCx2kxjMOMQIgHjMZ1+/TnSsPAZnKUJp7a5/n8J9kmDmYpuI/1q46nOI="
    public static let ecMessage = "fazt signing input"
}
