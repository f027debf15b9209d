import Foundation
import Logging
import ServiceLifecycle
import TalabDev
import TalabStore
import TalabTestSupport
import TalabWhatsApp
import Testing

/// `talab chat`'s client against the whole server and the fake Graph API, as `talab dev` runs them.
@Suite struct ChatClientTests {
    @Test func aCustomerBooksAPitchThroughSignedWebhooksAndReadsTheRepliesWithTheirChoices() async throws {
        let live = try await LiveServer.start()
        let client = ChatClient(
            webhookURL: live.webhookURL,
            graphURL: live.graphServer.url,
            appSecret: ServerFixture.appSecret,
            phoneNumberID: ExampleCatalog.padelNumber,
            phone: "96171000111",
            userID: nil
        )
        try await client.start()
        // The whole suite runs beside this test on two cores: wait longer for a quiet conversation.
        func send(_ input: ChatClient.Input) async throws -> [ChatClient.Reply] {
            try await client.send(input, quiet: .seconds(2))
        }
        // A voice note first: the customer is asked to write.
        let voice = try await send(.voiceNote)
        #expect(voice.first?.text.contains("voice notes") == true && voice.first?.choices.map(\.id) == ["menu"])
        let offer = try await send(.text("I'd like to book a padel court for an hour"))
        #expect(offer.first?.text == "Added 1 × Padel court, 60 minutes ($40.00).", "\(offer)")
        let slots = try #require(offer.last)
        #expect(slots.isList && slots.choices.count == 10 && slots.choices.last?.id == "slots:more:1")
        // "More…" pages the list by its id; the second page starts where the first ended.
        let more = try await send(.choice(id: "slots:more:1", title: "More…", fromList: true))
        #expect(more.last?.choices.first?.id != slots.choices.first?.id && more.last?.isList == true, "\(more)")
        // Not the first slot: it may start within the minute, and pass while the customer chooses.
        let chosen = slots.choices[2]
        let prompt = try await send(.choice(id: chosen.id, title: chosen.title, fromList: true))
        #expect(prompt.last?.choices.map(\.id) == ["confirm", "change"], "\(prompt)")
        let booked = try await send(.choice(id: "confirm", title: "Confirm", fromList: false))
        #expect(booked.map(\.text).contains { $0.hasPrefix("Booked! Your booking") && $0.contains(chosen.title) })
        #expect(try await live.fixture.count("SELECT count(*)::int FROM bookings") == 1)
        try await live.stop()
    }
}
