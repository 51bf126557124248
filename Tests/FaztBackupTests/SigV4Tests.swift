import Foundation
import Testing

@testable import FaztBackup

@Suite struct SigV4Tests {
    /// The worked example of AWS's S3 SigV4 documentation (GET /test.txt with a Range header).
    @Test func signsTheDocumentedExample() {
        let signer = SigV4(
            accessKey: "AKIAIOSFODNN7EXAMPLE",
            secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            region: "us-east-1"
        )
        let headers = signer.sign(
            method: "GET",
            host: "examplebucket.s3.amazonaws.com",
            path: "/test.txt",
            query: [],
            payloadSHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            date: Date(timeIntervalSince1970: 1_369_353_600),
            extra: [("Range", "bytes=0-9")]
        )
        let authorization = headers.first { $0.0 == "Authorization" }?.1 ?? ""
        #expect(
            authorization
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
        #expect(headers.contains { $0.0 == "x-amz-date" && $0.1 == "20130524T000000Z" })
    }

    @Test func encodesQueriesInCanonicalOrder() {
        #expect(SigV4.canonicalQuery([("prefix", "a b/c"), ("list-type", "2")]) == "list-type=2&prefix=a%20b%2Fc")
        #expect(SigV4.encode("/bucket/fazt backup~.db", keepSlash: true) == "/bucket/fazt%20backup~.db")
    }

    @Test func readsListingsAndErrors() {
        let xml = """
            <ListBucketResult><Contents><Key>p/fazt-backup-20261130T180000Z.db.gz</Key><Size>42</Size></Contents>\
            <Contents><Key>a&amp;b</Key><Size>1</Size></Contents><IsTruncated>false</IsTruncated></ListBucketResult>
            """
        let keys = S3Client.elements("Contents", in: xml).map { S3Client.elements("Key", in: $0).first ?? "" }
        #expect(keys == ["p/fazt-backup-20261130T180000Z.db.gz", "a&amp;b"])
        #expect(S3Client.unescape("a&amp;b") == "a&b")
    }
}
