import TalabCore
import TalabStore
import TalabTestSupport
import Testing

@Suite struct SchemaTests {
    /// Every table and column SPEC.md §2 and §9 name, written out here so a dropped column fails the test.
    static let specColumns: [String: [String]] = [
        "users": [
            "id", "user_type", "email", "contact_phone_number", "is_active", "created_at", "updated_at", "deleted_at",
            "business_name", "business_type", "default_language", "timezone", "whatsapp_phone_number",
            "whatsapp_phone_number_id", "whatsapp_access_token_encrypted", "subscription_type", "subscription_price",
            "subscription_started_at", "subscription_ends_at", "subscription_status", "allow_scheduled_orders",
            "allow_delivery", "allow_takeaway", "allow_on_site", "slug", "currency",
        ],
        "locations": [
            "id", "city", "street", "building", "floor", "notes", "latitude", "longitude", "created_at",
        ],
        "branches": [
            "id", "business_id", "branch_name", "location_id", "contact_phone_number", "is_active", "created_at",
            "updated_at", "deleted_at", "whatsapp_phone_number", "whatsapp_phone_number_id",
            "whatsapp_access_token_encrypted", "min_order_value", "avg_preparation_time_minutes",
            "service_radius_km", "delivery_fee_rules", "key",
        ],
        "opening_hours": ["id", "owner_type", "owner_id", "day_of_week", "open_time", "close_time", "is_closed"],
        "date_overrides": ["owner_type", "owner_id", "date", "is_closed", "open_time", "close_time"],
        "policies": ["id", "owner_type", "owner_id", "policy_type", "title", "description", "created_at", "key"],
        "menus": [
            "id", "business_id", "name", "description", "is_shared", "menu_image_url", "is_active", "created_at",
            "updated_at", "deleted_at", "key",
        ],
        "branch_menus": ["id", "branch_id", "menu_id"],
        "items": [
            "id", "business_id", "menu_id", "name", "description", "price", "cost", "preparation_time_minutes",
            "availability", "item_image_url", "created_at", "updated_at", "deleted_at", "is_featured", "tags", "key",
            "duration_minutes", "capacity",
        ],
        "item_option_groups": ["id", "item_id", "key", "name", "min_choices", "max_choices"],
        "item_options": ["id", "item_id", "group_id", "key", "name", "price_delta"],
        "order_item_options": ["id", "order_item_id", "item_option_id", "name_at_time", "price_delta_at_time"],
        "item_ingredients": ["id", "item_id", "ingredient_name"],
        "orders": [
            "id", "business_id", "branch_id", "customer_phone_number", "whatsapp_user_id", "language_used",
            "order_source", "delivery_type", "status", "subtotal", "delivery_price", "total", "notes",
            "scheduled_for", "created_at", "updated_at", "completed_at", "cancelled_at", "payment_method",
            "payment_status", "delivery_address_location_id", "customer_name",
        ],
        "order_items": [
            "id", "order_id", "item_id", "quantity", "price_at_time", "name_at_time", "notes",
        ],
        "order_status_history": ["id", "order_id", "status", "changed_at", "changed_by"],
    ]

    /// SPEC.md §8: (table, indexed columns, unique and partial on NOT NULL).
    static let specIndexes: [(table: String, columns: String, uniqueWhereNotNull: Bool)] = [
        ("branches", "business_id", false),
        ("menus", "business_id", false),
        ("items", "business_id", false),
        ("items", "menu_id", false),
        ("branch_menus", "branch_id", false),
        ("branch_menus", "menu_id", false),
        ("orders", "business_id, created_at", false),
        ("orders", "branch_id, created_at", false),
        ("orders", "customer_phone_number, created_at", false),
        ("order_items", "order_id", false),
        ("order_status_history", "order_id", false),
        ("branches", "whatsapp_phone_number_id", true),
        ("users", "whatsapp_phone_number_id", true),
    ]

    static let columns = PostgresStatement(
        "test.columns",
        """
        SELECT table_name::text AS table_name, column_name::text AS column_name, data_type::text AS data_type,
               numeric_precision, numeric_scale
        FROM information_schema.columns WHERE table_schema = 'public'
        """
    )

    @Test func everySpecTableAndColumnExists() async throws {
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 1)
        var present: [String: Set<String>] = [:]
        for row in try await pool.query(SchemaTests.columns) {
            present[try row.decode(String.self, "table_name"), default: []].insert(
                try row.decode(String.self, "column_name")
            )
        }
        for (table, columns) in SchemaTests.specColumns {
            let existing = try #require(present[table], "table \(table) is missing")
            let missing = Set(columns).subtracting(existing)
            #expect(missing.isEmpty, "\(table) lacks \(missing.sorted())")
        }
    }

    @Test func moneyIsExactNumericAndTimesCarryZones() async throws {
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 1)
        let money: Set<String> = [
            "users.subscription_price", "branches.min_order_value", "items.price", "items.cost",
            "item_options.price_delta", "orders.subtotal", "orders.delivery_price", "orders.total",
            "order_items.price_at_time",
        ]
        var checked = 0
        for row in try await pool.query(SchemaTests.columns) {
            let name = "\(try row.decode(String.self, "table_name")).\(try row.decode(String.self, "column_name"))"
            let type = try row.decode(String.self, "data_type")
            if money.contains(name) {
                #expect(type == "numeric", "\(name) is \(type)")
                #expect(try row.decode(Int?.self, "numeric_precision") == 10, "\(name) precision")
                #expect(try row.decode(Int?.self, "numeric_scale") == 2, "\(name) scale")
                checked += 1
            }
            if name.hasSuffix("_at") || name == "orders.scheduled_for" {
                #expect(type == "timestamp with time zone", "\(name) is \(type)")
            }
            // Queues are ordered by their ids: the inbox, the outbound queue and the log outbox use
            // bigint identities on purpose.
            if name.hasSuffix(".id") && !["webhook_inbox.id", "outbound_messages.id", "log_outbox.id"].contains(name) {
                #expect(type == "uuid", "\(name) is \(type)")
            }
        }
        #expect(checked == money.count)
    }

    @Test func everySpecIndexExists() async throws {
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 1)
        let rows = try await pool.query(
            PostgresStatement(
                "test.indexes",
                "SELECT tablename::text AS tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'"
            )
        )
        let definitions = try rows.map {
            (try $0.decode(String.self, "tablename"), try $0.decode(String.self, "indexdef"))
        }
        for index in SchemaTests.specIndexes {
            // The index itself, or a btree that leads with its columns (a unique constraint's, which
            // answers the same lookups: migration 0036 dropped the copies).
            let match = definitions.first { table, definition in
                table == index.table
                    && (definition.contains("USING btree (\(index.columns))")
                        || (!index.uniqueWhereNotNull && definition.contains("USING btree (\(index.columns), ")))
                    && (!index.uniqueWhereNotNull
                        || (definition.hasPrefix("CREATE UNIQUE INDEX")
                            && definition.contains("WHERE (\(index.columns) IS NOT NULL)")))
            }
            #expect(match != nil, "no index on \(index.table) (\(index.columns))")
        }
    }

    @Test func enumerationsInTheDatabaseMatchTheDomain() async throws {
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 1)
        let rows = try await pool.query(
            PostgresStatement(
                "test.enums",
                """
                SELECT t.typname::text AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
                FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname
                """
            )
        )
        var labels: [String: [String]] = [:]
        for row in rows {
            labels[try row.decode(String.self, "name")] = try row.decode([String].self, "labels")
        }
        let domain: [String: [String]] = [
            "user_type": UserType.allCases.map(\.rawValue),
            "business_type": BusinessType.allCases.map(\.rawValue),
            "customer_language": Language.allCases.map(\.rawValue),
            "subscription_type": SubscriptionType.allCases.map(\.rawValue),
            "subscription_status": SubscriptionStatus.allCases.map(\.rawValue),
            "owner_type": OwnerType.allCases.map(\.rawValue),
            "day_of_week": DayOfWeek.allCases.map(\.rawValue),
            "policy_type": PolicyType.allCases.map(\.rawValue),
            "item_availability": ItemAvailability.allCases.map(\.rawValue),
            "order_status": OrderStatus.allCases.map(\.rawValue),
            "delivery_type": DeliveryType.allCases.map(\.rawValue),
            "order_source": OrderSource.allCases.map(\.rawValue),
            "payment_method": PaymentMethod.allCases.map(\.rawValue),
            "payment_status": PaymentStatus.allCases.map(\.rawValue),
            "status_changed_by": StatusChangedBy.allCases.map(\.rawValue),
            "message_direction": MessageDirection.allCases.map(\.rawValue),
            // The runtime's queue states (TalabWhatsApp reads them as text).
            "webhook_state": ["pending", "done", "failed"],
            "outbound_state": ["pending", "sent", "failed"],
            // The dashboard's logins (TalabStore's AccountStore).
            "account_role": AccountStore.Role.allCases.map(\.rawValue),
        ]
        #expect(Set(labels.keys) == Set(domain.keys))
        for (name, values) in domain {
            #expect(labels[name] == values, "enum \(name)")
        }
    }

    @Test func noForeignKeyCascades() async throws {
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 1)
        let rows = try await pool.query(
            PostgresStatement(
                "test.cascades",
                """
                SELECT conname::text AS name FROM pg_constraint
                WHERE contype = 'f' AND (confdeltype IN ('c', 'n', 'd') OR confupdtype IN ('c', 'n', 'd'))
                """
            )
        )
        let total = try await pool.query(
            PostgresStatement("test.foreign_keys", "SELECT count(*)::int AS n FROM pg_constraint WHERE contype = 'f'")
        )
        #expect(try total[0].decode(Int.self, "n") >= 15)
        let cascading = try rows.map { try $0.decode(String.self, "name") }
        #expect(cascading.isEmpty, "cascading foreign keys: \(cascading)")
    }
}
