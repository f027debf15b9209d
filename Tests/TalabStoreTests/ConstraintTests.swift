import Foundation
import TalabStore
import TalabTestSupport
import Testing

/// The database itself refuses rows the domain forbids, whoever writes them.
@Suite struct ConstraintTests {
    static let insertBusiness = PostgresStatement(
        "test.insert_business",
        """
        INSERT INTO users (id, user_type, slug, business_name, business_type, currency, whatsapp_phone_number_id)
        VALUES ($1, 'business', $2, $3, 'restaurant', 'USD', $4)
        """
    )
    static let insertBranch = PostgresStatement(
        "test.insert_branch",
        "INSERT INTO branches (id, business_id, key, branch_name, whatsapp_phone_number_id) VALUES ($1, $2, $3, $4, $5)"
    )
    static let insertMenu = PostgresStatement(
        "test.insert_menu",
        "INSERT INTO menus (id, business_id, key, name) VALUES ($1, $2, 'main', 'Main')"
    )
    static let insertItem = PostgresStatement(
        "test.insert_item",
        "INSERT INTO items (business_id, menu_id, key, name, price) VALUES ($1, $2, $3, $4, $5)"
    )
    static let insertOrder = PostgresStatement(
        "test.insert_order",
        """
        INSERT INTO orders (business_id, branch_id, customer_phone_number, whatsapp_user_id, delivery_type,
                            status, currency, subtotal, total)
        VALUES ($1, $2, $3, $4, $5, $6, 'USD', 10, 10)
        """
    )

    struct Tenant {
        let business = UUID()
        let branch = UUID()
        let menu = UUID()
    }

    static func tenant(
        in pool: PostgresPool,
        slug: String = "abu-salim",
        phoneNumberID: String? = nil
    ) async throws -> Tenant {
        let tenant = Tenant()
        try await pool.query(insertBusiness, [tenant.business, slug, "Abu Salim", phoneNumberID])
        try await pool.query(insertBranch, [tenant.branch, tenant.business, "hamra", "Hamra", String?.none])
        try await pool.query(insertMenu, [tenant.menu, tenant.business])
        return tenant
    }

    static func serverError(_ body: () async throws -> Void) async -> PostgresError? {
        do {
            try await body()
            return nil
        } catch let error as PostgresError {
            return error
        } catch {
            return nil
        }
    }

    @Test func rejectsANegativePrice() async throws {
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 1)
        let tenant = try await ConstraintTests.tenant(in: pool)
        try await pool.query(ConstraintTests.insertItem, [tenant.business, tenant.menu, "fries", "Fries", Decimal(0)])
        let error = await ConstraintTests.serverError {
            try await pool.query(
                ConstraintTests.insertItem,
                [tenant.business, tenant.menu, "toum", "Toum", Decimal(string: "-0.50")!]
            )
        }
        #expect(error?.isCheckViolation == true)
        #expect(error?.constraint == "items_price_check")
        #expect(error?.statement == "test.insert_item")
    }

    @Test func rejectsAnUnknownEnumValueWithoutEchoingIt() async throws {
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 1)
        let tenant = try await ConstraintTests.tenant(in: pool)
        let error = await ConstraintTests.serverError {
            try await pool.query(
                ConstraintTests.insertOrder,
                [tenant.business, tenant.branch, "+96170000123", String?.none, "teleport", "pending"]
            )
        }
        #expect(error?.isInvalidTextRepresentation == true)
        #expect(error?.message == "invalid input value for enum delivery_type")
        #expect(error?.description.contains("teleport") == false)
    }

    @Test func rejectsAnOrderWithNeitherPhoneNorWhatsAppUser() async throws {
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 1)
        let tenant = try await ConstraintTests.tenant(in: pool)
        try await pool.query(
            ConstraintTests.insertOrder,
            [tenant.business, tenant.branch, String?.none, "lb.username.rami", "takeaway", "pending"]
        )
        let error = await ConstraintTests.serverError {
            try await pool.query(
                ConstraintTests.insertOrder,
                [tenant.business, tenant.branch, String?.none, String?.none, "takeaway", "pending"]
            )
        }
        #expect(error?.constraint == "orders_customer_identified")
    }

    @Test func rejectsACompletedOrderWithoutCompletionTime() async throws {
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 1)
        let tenant = try await ConstraintTests.tenant(in: pool)
        let error = await ConstraintTests.serverError {
            try await pool.query(
                ConstraintTests.insertOrder,
                [tenant.business, tenant.branch, "+96170000123", String?.none, "delivery", "completed"]
            )
        }
        #expect(error?.constraint == "orders_completed_at")
    }

    @Test func rejectsADuplicateWhatsAppPhoneNumberID() async throws {
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 1)
        let first = try await ConstraintTests.tenant(in: pool, slug: "first", phoneNumberID: "106540352242922")
        let businessError = await ConstraintTests.serverError {
            _ = try await ConstraintTests.tenant(in: pool, slug: "second", phoneNumberID: "106540352242922")
        }
        #expect(businessError?.isUniqueViolation == true)
        #expect(businessError?.constraint == "users_whatsapp_phone_number_id_key")

        try await pool.query(ConstraintTests.insertBranch, [UUID(), first.business, "achrafieh", "Achrafieh", "555"])
        let branchError = await ConstraintTests.serverError {
            try await pool.query(ConstraintTests.insertBranch, [UUID(), first.business, "jounieh", "Jounieh", "555"])
        }
        #expect(branchError?.isUniqueViolation == true)
        #expect(branchError?.constraint == "branches_whatsapp_phone_number_id_key")
        // Many branches without a number of their own are fine: the index is partial.
        try await pool.query(ConstraintTests.insertBranch, [UUID(), first.business, "byblos", "Byblos", String?.none])
    }

    @Test func historyCannotBeDeletedFromUnderAnOrder() async throws {
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 1)
        let tenant = try await ConstraintTests.tenant(in: pool)
        try await pool.query(
            ConstraintTests.insertOrder,
            [tenant.business, tenant.branch, "+96170000123", String?.none, "takeaway", "pending"]
        )
        let error = await ConstraintTests.serverError {
            try await pool.query(
                PostgresStatement("test.delete_branch", "DELETE FROM branches WHERE id = $1"),
                [tenant.branch]
            )
        }
        #expect(error?.isForeignKeyViolation == true)
    }
}
