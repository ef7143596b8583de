gotol +0x10000
exit
