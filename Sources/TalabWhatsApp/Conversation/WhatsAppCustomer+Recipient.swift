public import TalabStore

extension WhatsAppCustomer {
    /// Where replies go: the phone when WhatsApp gave one, else the business-scoped user id.
    public var recipient: Recipient? {
        if let waID { return .phone(waID) }
        return userID.map(Recipient.userID)
    }
}
