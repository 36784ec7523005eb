from podcaster.cli import main

main()
