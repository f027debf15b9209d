// swift-tools-version:6.0
import PackageDescription

/// What every HTTP-speaking module uses: the server, its types, logs, outbound HTTP and services.
let serverStack: [Target.Dependency] = [
    .product(name: "Hummingbird", package: "hummingbird"),
    .product(name: "HTTPTypes", package: "swift-http-types"),
    .product(name: "Logging", package: "swift-log"),
    .product(name: "AsyncHTTPClient", package: "async-http-client"),
    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
    .product(name: "NIOCore", package: "swift-nio"),
]

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "talab",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "talab", targets: ["talab"]),
        .library(name: "TalabCore", targets: ["TalabCore"]),
        .library(name: "TalabConfig", targets: ["TalabConfig"]),
        .library(name: "TalabStore", targets: ["TalabStore"]),
        .library(name: "TalabReconciler", targets: ["TalabReconciler"]),
        .library(name: "TalabHTTP", targets: ["TalabHTTP"]),
        .library(name: "TalabAWS", targets: ["TalabAWS"]),
        .library(name: "TalabWhatsApp", targets: ["TalabWhatsApp"]),
        .library(name: "TalabDashboard", targets: ["TalabDashboard"]),
        .library(name: "TalabApp", targets: ["TalabApp"]),
        .library(name: "TalabDev", targets: ["TalabDev"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(name: "CGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "CLibYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CMalloc"),
        .target(
            name: "TalabMetrics",
            dependencies: [
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TalabCore",
            resources: [.copy("Resources/Strings"), .copy("Resources/Lexicon")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TalabConfig",
            dependencies: ["TalabCore", "CGit2", "CLibYAML"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TalabStore",
            dependencies: [
                "TalabCore", "TalabMetrics", "CLibPQ", .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Migrations/SQL")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TalabReconciler",
            dependencies: [
                "TalabCore", "TalabConfig", "TalabStore", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TalabAWS",
            dependencies: [
                "TalabCore", "TalabStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TalabHTTP",
            dependencies: [
                "TalabStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TalabWhatsApp",
            dependencies: [
                "TalabCore", "TalabStore", "TalabHTTP", "TalabMetrics",
                .product(name: "Crypto", package: "swift-crypto"),
            ] + serverStack,
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TalabDashboard",
            dependencies: [
                "TalabCore", "TalabStore", "TalabHTTP", "TalabWhatsApp", "TalabConfig", "TalabReconciler",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ] + serverStack,
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TalabApp",
            dependencies: [
                "TalabCore", "TalabStore", "TalabHTTP", "TalabWhatsApp", "TalabDashboard", "TalabAWS", "CMalloc",
                "TalabConfig", "TalabReconciler", "TalabMetrics",
            ] + serverStack,
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TalabDev",
            dependencies: [
                "TalabCore", "TalabStore", "TalabHTTP", "TalabWhatsApp",
                .product(name: "NIOPosix", package: "swift-nio"),
            ] + serverStack,
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TalabBench",
            dependencies: [
                "TalabCore", "TalabStore", "TalabConfig", "TalabReconciler", "TalabWhatsApp", "TalabApp", "TalabDev",
                "TalabAWS", "TalabDashboard", "CLibYAML", "CMalloc", .product(name: "NIOPosix", package: "swift-nio"),
            ] + serverStack,
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "talab",
            dependencies: [
                "TalabCore", "TalabConfig", "TalabStore", "TalabReconciler", "TalabWhatsApp", "TalabApp", "TalabDev",
                "TalabAWS", "TalabBench", "TalabDashboard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TalabTestSupport",
            dependencies: ["TalabStore", "TalabConfig", "TalabCore", "TalabReconciler", "TalabDev"],
            path: "Tests/TalabTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TalabCoreTests",
            dependencies: ["TalabCore", "TalabConfig", "TalabBench", "TalabTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TalabConfigTests",
            dependencies: ["TalabConfig", "TalabCore", "TalabTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TalabReconcilerTests",
            dependencies: ["TalabReconciler", "TalabConfig", "TalabStore", "TalabCore", "TalabTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TalabAppTests",
            dependencies: [
                "TalabApp", "TalabWhatsApp", "TalabHTTP", "TalabDev", "TalabAWS", "TalabReconciler", "TalabConfig",
                "TalabStore",
                "TalabCore", "TalabTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TalabWhatsAppTests",
            dependencies: [
                "TalabWhatsApp", "TalabHTTP", "TalabStore", "TalabCore", "TalabTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TalabAWSTests",
            dependencies: [
                "TalabAWS", "TalabStore", "TalabConfig", "TalabReconciler", "TalabTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TalabDashboardTests",
            dependencies: [
                "TalabDashboard", "TalabApp", "TalabHTTP", "TalabDev", "TalabStore", "TalabCore", "TalabTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TalabDevTests",
            dependencies: ["TalabDev"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TalabStoreTests",
            dependencies: ["TalabStore", "TalabCore", "TalabBench", "TalabReconciler", "TalabTestSupport"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
