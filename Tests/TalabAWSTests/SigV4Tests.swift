import Crypto
import Foundation
import Testing

@testable import TalabAWS

/// The signer against AWS's published Signature Version 4 test suite and documentation examples.
@Suite struct SigV4Tests {
    static let suite = SigV4(
        credentials: AWSCredentials(
            accessKeyID: "AKIDEXAMPLE",
            secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
        ),
        region: "us-east-1",
        service: "service"
    )
    static let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z

    static func authorization(_ signer: SigV4, _ request: SigV4.Request, at date: Date) -> String? {
        signer.headers(for: request, at: date).first { $0.name == "authorization" }?.value
    }

    @Test(
        arguments: [
            (
                "get-vanilla", "GET", "https://example.amazonaws.com/",
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
            ),
            (
                "post-vanilla", "POST", "https://example.amazonaws.com/",
                "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
            ),
            (
                "get-vanilla-query-order-key-case", "GET", "https://example.amazonaws.com/?Param2=value2&Param1=value1",
                "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
            ),
        ]
    )
    func theTestSuitesRequestsAreSignedAsPublished(name: String, method: String, url: String, signature: String) {
        let request = SigV4.Request(method: method, url: URL(string: url)!)
        #expect(
            SigV4Tests.authorization(SigV4Tests.suite, request, at: SigV4Tests.suiteDate)
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                + "SignedHeaders=host;x-amz-date, Signature=\(signature)",
            "\(name)"
        )
    }

    @Test func theSigningKeyDerivesAsDocumented() {
        let key = SigV4.signingKey(
            secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            date: "20120215",
            region: "us-east-1",
            service: "iam"
        )
        #expect(
            key.withUnsafeBytes { SigV4.hex($0) } == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        )
    }

    @Test func s3sGetObjectExampleWithARangeIsSignedAsDocumented() {
        let signer = SigV4(
            credentials: AWSCredentials(
                accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
            ),
            region: "us-east-1",
            service: "s3"
        )
        let request = SigV4.Request(
            method: "GET",
            url: URL(string: "https://examplebucket.s3.amazonaws.com/test.txt")!,
            headers: [("Range", "bytes=0-9")]
        )
        let headers = signer.headers(for: request, at: Date(timeIntervalSince1970: 1_369_353_600))
        #expect(
            headers.first { $0.name == "authorization" }?.value
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
        #expect(
            headers.first { $0.name == "x-amz-content-sha256" }?.value
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
    }

    @Test func aSessionTokenIsSignedAndTheSecretIsNeverShown() {
        let credentials = AWSCredentials(accessKeyID: "AKID", secretAccessKey: "very-secret", sessionToken: "token-1")
        let signer = SigV4(credentials: credentials, region: "eu-west-1", service: "dynamodb")
        let headers = signer.headers(
            for: SigV4.Request(method: "POST", url: URL(string: "http://127.0.0.1:5000/")!, body: Array("{}".utf8)),
            at: SigV4Tests.suiteDate
        )
        #expect(headers.first { $0.name == "x-amz-security-token" }?.value == "token-1")
        let authorization = headers.first { $0.name == "authorization" }?.value ?? ""
        #expect(authorization.contains("SignedHeaders=host;x-amz-date;x-amz-security-token,"))
        #expect(!authorization.contains("very-secret") && !"\(credentials)".contains("very-secret"))
        #expect(SigV4.host(URL(string: "http://127.0.0.1:5000/")!) == "127.0.0.1:5000")
        #expect(SigV4.canonicalQuery("b=2&a=x y&a=%2F&c") == "a=%2F&a=x%20y&b=2&c=")
    }

    @Test func credentialsComeFromTheStandardVariables() {
        let environment = ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": ""]
        let credentials = AWSCredentials.fromEnvironment(environment)
        #expect(credentials?.accessKeyID == "AKID" && credentials?.sessionToken == nil)
        #expect(AWSCredentials.fromEnvironment(["AWS_ACCESS_KEY_ID": "AKID"]) == nil)
    }
}
