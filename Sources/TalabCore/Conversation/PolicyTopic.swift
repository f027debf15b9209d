import Foundation

/// The words that ask about one kind of policy.
struct PolicyTopic {
    let type: PolicyType
    let words: [String]

    static let all = [
        PolicyTopic(type: .delivery, words: ["delivery", "livraison", "tawsil", "توصيل", "ديليفري"]),
        PolicyTopic(type: .refund, words: ["refund", "rembourse", "remboursement", "return", "استرجاع", "rje3"]),
        PolicyTopic(type: .cancellation, words: ["cancel", "cancellation", "annulation", "annuler", "الغاء", "lghi"]),
    ]
}
