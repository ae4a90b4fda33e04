résumé     = "naïve ☕"
日本        = "語"
dash-name  = 1
after      = "😀${x}é"
