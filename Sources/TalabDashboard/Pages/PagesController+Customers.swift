import Foundation
import Hummingbird
import TalabCore
import TalabStore

/// The customers list, one customer's page, and the day of bookings.
extension PagesController {
    func customerRow(_ customer: CustomersController<Context>.CustomerView, _ view: BoardView) -> [String: Any] {
        var row: [String: Any] = [
            "id": customer.id,
            "label": customer.name ?? customer.username ?? customer.phone_number.map { "+\($0)" } ?? "—",
            "orders": customer.orders, "spent": view.money(customer.spent, customer.currency),
            "lastOrder": customer.last_order_at.flatMap { view.local($0) } ?? "—",
            "firstSeen": view.local(customer.first_seen_at) ?? "",
        ]
        row["phone"] = customer.phone_number.map { "+\($0)" }
        row["username"] = customer.username.map { "@\($0)" }
        if customer.cancelled_orders > 0 { row["cancelled"] = customer.cancelled_orders }
        return row
    }

    @Sendable func customersPage(_ request: Request, context: Context) async throws -> Response {
        let frame = try await frame(
            request,
            context,
            atLeast: .manager,
            refusal: "customers are for owners and managers"
        )
        let (page, _) = try await customers.page(request, context: context)
        var values: [String: Any] = [
            "rows": page.customers.map { customerRow($0, frame.view) }, "hasRows": !page.customers.isEmpty,
            "query": CustomersController<Context>.search(request) ?? "",
        ]
        if let next = page.next { values["next"] = ISO8601DateFormatter.fractional.string(from: next) }
        return renderer.page(
            "customers",
            values,
            title: frame.view.text["customers"] ?? "Customers",
            language: frame.language,
            chrome: chrome(frame, page: "customers")
        )
    }

    @Sendable func customerPage(_ request: Request, context: Context) async throws -> Response {
        let frame = try await frame(
            request,
            context,
            atLeast: .manager,
            refusal: "customers are for owners and managers"
        )
        let found = try await customers.customer(request, context: context)
        let documents = try JSONDecoder().decode([BoardView.Document].self, from: Data(found.orders.utf8))
        var values = customerRow(found.customer, frame.view)
        values["rows"] = frame.view.historyRowsHTML(documents)
        values["hasRows"] = !documents.isEmpty
        if let next = found.next { values["next"] = ISO8601DateFormatter.fractional.string(from: next) }
        return renderer.page(
            "customer",
            values,
            title: values["label"] as? String ?? "",
            language: frame.language,
            chrome: chrome(frame, page: "customers")
        )
    }

    @Sendable func bookingsPage(_ request: Request, context: Context) async throws -> Response {
        let frame = try await frame(request, context)
        let (day, _) = try await customers.bookingDay(request, context: context)
        let text = frame.view.text
        let zone = TimeZone(identifier: day.time_zone) ?? .current
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parser = DateFormatter()
        parser.locale = Locale(identifier: "en_US_POSIX")
        parser.timeZone = zone
        parser.dateFormat = "yyyy-MM-dd"
        let date = parser.date(from: day.date) ?? Date()
        let title = DateFormatter()
        title.locale = Locale(identifier: frame.language == "ar" ? "ar_LB" : frame.language)
        title.timeZone = zone
        title.setLocalizedDateFormatFromTemplate("EEEEdMMMMyyyy")
        let clock = DateFormatter()
        clock.locale = Locale(identifier: "en_GB")
        clock.timeZone = zone
        clock.dateFormat = "HH:mm"
        func shifted(_ days: Int) -> String {
            CustomersController<Context>.day(calendar.date(byAdding: .day, value: days, to: date) ?? date, zone)
        }
        let chosen = branch(request, frame)
        let branchQuery = chosen.map { "&branch=\($0.uuidString.lowercased())" } ?? ""
        var values: [String: Any] = [
            "dayLabel": title.string(from: date), "date": day.date, "previous": shifted(-1), "following": shifted(1),
            "today": CustomersController<Context>.day(Date(), zone), "branchQuery": branchQuery,
            "hasRows": !day.bookings.isEmpty,
            "rows": day.bookings.map { booking -> [String: Any] in
                var row: [String: Any] = [
                    "order": booking.order_id, "service": booking.service,
                    "from": clock.string(from: booking.starts_at), "to": clock.string(from: booking.ends_at),
                    "customer": booking.customer_name ?? booking.phone_number.map { "+\($0)" } ?? "—",
                    "status": booking.status, "statusName": text["status_\(booking.status)"] ?? booking.status,
                ]
                if frame.profile.branches.count > 1 { row["branch"] = booking.branch }
                if booking.places > 1 { row["places"] = booking.places }
                return row
            },
        ]
        if frame.signedIn.account.branchID == nil, frame.profile.branches.count > 1 {
            values["branchChoice"] = true
            values["branches"] = frame.profile.branches.map { branch in
                ["id": branch.id.uuidString.lowercased(), "name": branch.name, "selected": branch.id == chosen]
            }
        }
        return renderer.page(
            "bookings",
            values,
            title: text["bookings"] ?? "Bookings",
            language: frame.language,
            chrome: chrome(frame, page: "bookings")
        )
    }
}
