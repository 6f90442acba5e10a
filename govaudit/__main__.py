from govaudit.launch import main

main()
