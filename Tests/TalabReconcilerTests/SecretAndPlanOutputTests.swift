import Foundation
import TalabConfig
import TalabCore
import TalabReconciler
import TalabStore
import TalabTestSupport
import Testing

/// Secrets a test sets for itself, instead of the process environment that tests share.
@Suite struct SecretTests {
    @Test func tokensAreStoredSealedAndNeverShown() async throws {
        let repository = try ReconcilerTests.exampleRepository()
        defer { repository.delete() }
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 2)
        let (tenants, commit) = try ReconcilerTests.tenants(repository)
        let outcome = try await ReconcilerTests.reconciler(pool).apply(tenants, commit: commit)
        let stored = try await pool.query(
            PostgresStatement(
                "test.token",
                "SELECT whatsapp_access_token_encrypted AS token FROM users WHERE slug = 'abu-salim-grill'"
            )
        )[0].decode(String.self, "token")
        #expect(stored.hasPrefix("v1:"))
        #expect(!stored.contains("abu-salim-test-token"))
        #expect(ReconcilerTests.sealer.open(stored) == "EAAG-abu-salim-test-token")
        let audit = try await pool.query(
            PostgresStatement("test.audit_text", "SELECT string_agg(after::text, ' ') AS all FROM audit.audit_logs")
        )
        let everything = try audit[0].decode(String.self, "all") + outcome.plan.text
        for token in ReconcilerTests.secrets.values.values { #expect(!everything.contains(token)) }

        // The same token: no change, although every sealing differs.
        #expect(try await ReconcilerTests.reconciler(pool).plan(tenants).isEmpty)
        var rotated = ReconcilerTests.secrets
        rotated.values["PADEL_FIVE_WA_TOKEN"] = "EAAG-padel-rotated"
        let rotation = try await ReconcilerTests.reconciler(pool, secrets: rotated).plan(tenants)
        #expect(rotation.changes.map(\.label) == ["business padel-beirut"])
        #expect(rotation.text.contains("whatsapp_access_token_encrypted: (sensitive value changed)"))
        #expect(!rotation.text.contains("rotated"))
    }

    @Test func aMissingSecretIsOneClearErrorNamingWhereItIsUsed() async throws {
        let repository = try ReconcilerTests.exampleRepository()
        defer { repository.delete() }
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 1)
        let (tenants, commit) = try ReconcilerTests.tenants(repository)
        var partial = ReconcilerTests.secrets
        partial.values["SALON_RIMA_WA_TOKEN"] = nil
        let error = await #expect(throws: ReconcileError.self) {
            try await ReconcilerTests.reconciler(pool, secrets: partial).apply(tenants, commit: commit)
        }
        #expect(error?.code == .missingSecret)
        #expect(
            error?.message
                == "secrets are not set: environment variable SALON_RIMA_WA_TOKEN (named at Tenants/salon-rima/business.yaml:11)"
        )
        let short = #expect(throws: SecretError.self) { try SecretSealer(base64Key: "c2hvcnQ=") }
        #expect(short?.code == .invalidMasterKey)
    }
}

@Suite struct PlanJSONTests {
    @Test func theJSONPlanHasAVersionTheFieldsAndNoSecret() async throws {
        let (repository, pool, _) = try await ReconcilerTests.appliedExample()
        defer { repository.delete() }
        try ReconcilerTests.priceHummus(repository, at: "3.75")
        let (tenants, commit) = try ReconcilerTests.tenants(repository.commitReturningSelf("Hummus up"))
        var rotated = ReconcilerTests.secrets
        rotated.values["ABU_SALIM_WA_TOKEN"] = "EAAG-rotated-secret"
        let plan = try await ReconcilerTests.reconciler(pool, secrets: rotated).plan(tenants)
        let json = plan.json(commit: commit.sha)
        #expect(!json.contains("EAAG-rotated-secret"))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(document["format_version"] as? Int == 1)
        #expect(document["commit"] as? String == commit.sha)
        #expect((document["summary"] as? [String: Int])?["update"] == 2)
        let changes = try #require(document["changes"] as? [[String: Any]])
        let price = try #require(changes.first { $0["audit_action"] as? String == "update_price" })
        #expect(price["label"] as? String == "item hummus")
        #expect(price["file"] as? String == "Tenants/abu-salim-grill/menus/main.yaml")
        let fields = try #require(price["fields"] as? [[String: Any]])
        #expect(fields.first?["old"] as? String == "3.5")
        #expect(fields.first?["new"] as? String == "3.75")
        let token = try #require(changes.first { $0["label"] as? String == "business abu-salim-grill" })
        #expect((token["fields"] as? [[String: Any]])?.first?["new"] as? String == "(sensitive)")
    }
}

@Suite struct PlanMarkdownTests {
    @Test func aMarkdownPlanSummarisesFoldsAndStaysUnderTheCommentLimit() async throws {
        let repository = try ReconcilerTests.exampleRepository()
        defer { repository.delete() }
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 1)
        let (tenants, commit) = try ReconcilerTests.tenants(repository)
        let plan = try await ReconcilerTests.reconciler(pool).plan(tenants)
        let markdown = plan.markdown(commit: commit.sha)
        #expect(markdown.hasPrefix("### Talab plan at `\(commit.sha.prefix(12))`"))
        #expect(markdown.contains("| abu-salim-grill | 120 | 0 | 0 | 0 |"))
        #expect(markdown.contains("<details><summary>padel-beirut:"))
        #expect(markdown.contains("+ item padel-60"))
        #expect(markdown.count <= Plan.commentLimit)

        let short = plan.markdown(commit: commit.sha, limit: 3_000)
        #expect(short.count <= 3_000)
        #expect(short.contains("| salon-rima |"))
        #expect(short.contains("the details of 3 tenants are left out"))
        #expect(short.contains("talab plan --format json"))
    }
}
